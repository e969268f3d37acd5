package io.keystep.events;

/**
 * What happened to a user's factors, recovery codes or trusted devices. {@link #DEVICES_FORGOTTEN}: every device of
 * the user is unknown again (every trusted-device token issued before the event is revoked and every device learned
 * from earlier logins forgotten), after the gateway revoked all devices or a factor was activated or removed; its
 * {@code detail} is the reason. {@link #CLONE_SUSPECTED}: a passkey or security key presented a sign count that did not
 * move past the last one accepted, as a copy of its key would. {@link #SIGN_IN_REPORTED}: the user denied a sign-in on
 * a paired device as not theirs.
 */
public enum FactorChange {
    ENROLLED, ACTIVATED, REMOVED, RENAMED, PREFERRED, SUSPENDED, REENABLED,
    RECOVERY_CODES_GENERATED, RECOVERY_CODE_USED,
    DEVICE_TRUSTED, DEVICE_REVOKED, DEVICES_FORGOTTEN,
    ACCOUNT_RECOVERY_OPENED, ACCOUNT_RECOVERY_APPROVED, ACCOUNT_RECOVERY_CANCELED, ACCOUNT_RECOVERY_USED,
    CLONE_SUSPECTED, SIGN_IN_REPORTED
}
