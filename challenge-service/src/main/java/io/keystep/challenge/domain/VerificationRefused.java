package io.keystep.challenge.domain;

import java.time.Duration;
import java.time.Instant;

/** A verification request the rules refuse; the API turns each kind into its problem answer. */
public class VerificationRefused extends RuntimeException {

    /** Why. */
    public enum Kind { NOT_FOUND, NOT_PENDING, IDEMPOTENCY_MISMATCH, IDEMPOTENCY_IN_FLIGHT, SEND_LIMITED, LOCKED_OUT, SUSPENDED, NO_FACTOR, INVALID_CODE }

    private final Kind kind;
    private final String limit;
    private final Duration retryAfter;
    private final Instant lockedUntil;

    public VerificationRefused(Kind kind, String detail) {
        this(kind, detail, null, null, null);
    }

    public VerificationRefused(Kind kind, String detail, String limit, Duration retryAfter, Instant lockedUntil) {
        super(detail, null, false, false);
        this.kind = kind;
        this.limit = limit;
        this.retryAfter = retryAfter;
        this.lockedUntil = lockedUntil;
    }

    public Kind kind() {
        return kind;
    }

    /** The limit that refused a send, for {@link Kind#SEND_LIMITED}. */
    public String limit() {
        return limit;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public Instant lockedUntil() {
        return lockedUntil;
    }
}
