package io.keystep.events;

/** The result of one check of a code. */
public enum Outcome {
    APPROVED, REJECTED, EXPIRED, LOCKED
}
