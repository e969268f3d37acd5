package io.keystep.events;

/**
 * The result of one check of a code, or the end of a verification that was canceled before any approval.
 * {@link #DENIED}: the person denied a push on their paired device as not theirs ("this wasn't me").
 */
public enum Outcome {
    APPROVED, REJECTED, EXPIRED, LOCKED, CANCELED, DENIED
}
