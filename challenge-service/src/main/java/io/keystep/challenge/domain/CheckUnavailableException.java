package io.keystep.challenge.domain;

/** A check could not be completed (Redis or Kafka unreachable); the caller must not treat it as approved. */
public class CheckUnavailableException extends RuntimeException {

    public CheckUnavailableException(Throwable cause) {
        super("verification store or event log unavailable", cause);
    }
}
