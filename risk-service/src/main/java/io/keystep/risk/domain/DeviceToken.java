package io.keystep.risk.domain;

/** What the login's trusted-device token says about its device. */
public enum DeviceToken {
    /** No token, an expired one, or tokens are not checked (no public key configured): nothing either way. */
    NONE,
    /** A valid token for this tenant, user and device: the device counts as known. */
    TRUSTED,
    /** A token that is forged, malformed, for another login or device, or revoked: a risk signal. */
    INVALID
}
