package io.keystep.events;

/** The result of one check of a code, or the end of a verification that was canceled before any approval. */
public enum Outcome {
    APPROVED, REJECTED, EXPIRED, LOCKED, CANCELED
}
