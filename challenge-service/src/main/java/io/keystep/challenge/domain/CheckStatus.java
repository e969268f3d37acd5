package io.keystep.challenge.domain;

import io.keystep.events.Outcome;

/** What one check of a code found, as the Redis script reports it. */
public enum CheckStatus {
    /** The code was right; the challenge is now used up. */
    APPROVED("approved", Outcome.APPROVED),
    /** The code was wrong and checks remain. */
    PENDING("pending", Outcome.REJECTED),
    /** The code's time ran out (no attempt was spent). */
    EXPIRED("expired", Outcome.EXPIRED),
    /** The attempt budget is spent; this check may have spent its last unit. */
    MAX_ATTEMPTS_REACHED("max_attempts_reached", Outcome.LOCKED),
    /** The challenge was already approved once: a code is consumed on success. */
    ALREADY_USED("already_used", Outcome.REJECTED),
    /** The challenge was canceled. */
    CANCELED("canceled", Outcome.REJECTED),
    /** The user is locked out after too many failed checks; nothing was compared. */
    LOCKED_OUT("locked_out", Outcome.LOCKED),
    /** The user's factor is suspended after too many consecutive failures; nothing was compared. */
    SUSPENDED("suspended", Outcome.LOCKED),
    /** No such challenge for this tenant. */
    NOT_FOUND("not_found", null);

    private final String wire;
    private final Outcome outcome;

    CheckStatus(String wire, Outcome outcome) {
        this.wire = wire;
        this.outcome = outcome;
    }

    /** The status as the API and the Redis script spell it. */
    public String wire() {
        return wire;
    }

    /** The outcome published in {@code verification.completed.v1}. */
    public Outcome outcome() {
        return outcome;
    }

    public static CheckStatus fromWire(String wire) {
        for (CheckStatus s : values()) {
            if (s.wire.equals(wire)) {
                return s;
            }
        }
        throw new IllegalStateException("unknown check status " + wire);
    }
}
