package io.keystep.risk.messaging;

/** A record that cannot be parsed into its event: it goes to the topic's dead-letter topic. */
public class MalformedEventException extends RuntimeException {

    public MalformedEventException(String message) {
        super(message);
    }
}
