package io.keystep.kit.messaging;

/**
 * A record that is not the event its topic carries: its consumer nacks it into the topic's dead-letter topic and
 * goes on. The message names the field at fault and never a value (a value may hold a sealed code or a phone
 * number); no stack trace is kept, since the record, not the code, is at fault.
 */
public final class MalformedEventException extends RuntimeException {

    public MalformedEventException(String message) {
        super(message, null, false, false);
    }
}
