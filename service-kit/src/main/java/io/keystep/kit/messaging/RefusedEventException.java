package io.keystep.kit.messaging;

/**
 * A record that did not prove the tenant it names ({@link TenantProof}): its consumer does not act on it and nacks
 * it into the topic's dead-letter topic, with the refusal in header {@link TenantProof#REFUSAL_HEADER}. The message
 * says why and never repeats the token; no stack trace is kept, since the record, not the code, is at fault.
 */
public final class RefusedEventException extends RuntimeException {

    public RefusedEventException(String message) {
        super(message, null, false, false);
    }
}
