package io.keystep.events;

/**
 * The device a login comes from, as the gateway saw it.
 *
 * @param fingerprint a stable identifier the gateway derives from the browser or app
 * @param userAgent   the user agent string, for the audit trail
 */
public record Device(String fingerprint, String userAgent) {

    public Device {
        Required.text(fingerprint, "device.fingerprint");
    }
}
