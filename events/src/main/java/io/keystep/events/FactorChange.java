package io.keystep.events;

/** What happened to a user's factors, recovery codes or trusted devices. */
public enum FactorChange {
    ENROLLED, ACTIVATED, REMOVED, RENAMED, PREFERRED, SUSPENDED, REENABLED,
    RECOVERY_CODES_GENERATED, RECOVERY_CODE_USED,
    DEVICE_TRUSTED, DEVICE_REVOKED
}
