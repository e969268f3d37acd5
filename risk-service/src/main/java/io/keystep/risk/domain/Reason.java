package io.keystep.risk.domain;

/** Why a login got its decision; the names travel in {@code risk.assessed.v1} reasons. */
public enum Reason {
    /** The first factor failed: the login is denied and recorded as a failure. */
    PASSWORD_NOT_VERIFIED,
    /** The device was not seen for this user within the device window. */
    NEW_DEVICE,
    /** A valid trusted-device token came with the login: the device counts as known. */
    TRUSTED_DEVICE,
    /** A trusted-device token that is forged, malformed, another login's or device's, or revoked. */
    INVALID_DEVICE_TOKEN,
    /** The login comes from a country the user has not logged in from. */
    NEW_COUNTRY,
    /** Reaching this login's place from the previous one would need more than the maximum speed. */
    IMPOSSIBLE_TRAVEL,
    /** The user denied a push as not theirs ("this wasn't me") within the tenant's reported-fraud window. */
    USER_REPORTED_FRAUD,
    /** The user has not logged in at this hour of the week recently; counts only with another signal. */
    UNUSUAL_HOUR,
    /** Too many failed passwords for this user lately. */
    TOO_MANY_FAILURES,
    /** Too many failed passwords from this IP across users lately. */
    CREDENTIAL_STUFFING,
    /** The IP is in the tenant's deny list. */
    DENIED_NETWORK,
    /** The IP is in the tenant's allow list (lowers the score). */
    ALLOWED_NETWORK,
    /** A transaction always asks for a second factor. */
    PURPOSE_TRANSACTION,
    /** Changing a factor always asks for a second factor. */
    PURPOSE_FACTOR_CHANGE,
    /** The tenant challenges every login. */
    ALWAYS_CHALLENGE,
    /** The signup fell in arm A of the tenant's signup experiment, which challenges every signup it would allow. */
    SIGNUP_EXPERIMENT
}
