package io.keystep.events;

/**
 * The device a login comes from, as the gateway saw it.
 *
 * @param fingerprint        a stable identifier the gateway derives from the browser or app
 * @param userAgent          the user agent string, for the audit trail
 * @param trustedDeviceToken the token challenge-service gave this device when the user trusted it, or null
 */
public record Device(String fingerprint, String userAgent, String trustedDeviceToken) {

    public Device {
        Required.text(fingerprint, "device.fingerprint");
    }

    /** A device that presents no trusted-device token. */
    public Device(String fingerprint, String userAgent) {
        this(fingerprint, userAgent, null);
    }
}
