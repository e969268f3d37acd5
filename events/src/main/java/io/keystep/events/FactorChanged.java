package io.keystep.events;

/**
 * A change to a user's factors, recovery codes or trusted devices. Topic {@link Topics#FACTOR_CHANGED}. Never
 * carries a secret, a code or a token.
 *
 * @param userId   the user
 * @param factorId the factor concerned, or null (recovery codes, trusted devices)
 * @param factor   the kind of factor concerned, or null
 * @param change   what happened
 * @param detail   a short human-readable detail, for example a label or how many recovery codes remain
 */
public record FactorChanged(String userId, String factorId, Factor factor, FactorChange change, String detail) {

    public static final String TYPE = "factor.changed";

    public FactorChanged {
        Required.text(userId, "userId");
        Required.value(change, "change");
    }
}
