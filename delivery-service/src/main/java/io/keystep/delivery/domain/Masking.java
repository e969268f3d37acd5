package io.keystep.delivery.domain;

/** Masks destinations for logs and events: enough to recognise a number, not enough to use it. */
public final class Masking {

    private Masking() {
    }

    /** {@code +4915112345678} becomes {@code +4915******678}; an e-mail keeps its first letter and domain. */
    public static String destination(String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        int at = value.indexOf('@');
        if (at > 0) {
            return value.charAt(0) + "***" + value.substring(at);
        }
        if (value.length() >= 9) {
            return value.substring(0, 5) + "*".repeat(value.length() - 8) + value.substring(value.length() - 3);
        }
        // Too short to show a prefix without showing most of it.
        return "*".repeat(Math.max(0, value.length() - 2)) + value.substring(Math.max(0, value.length() - 2));
    }

    /** A push token keeps its platform and last six characters: {@code fcm:…a1B2c3}. */
    public static String device(String platform, String token) {
        int shown = token.length() >= 24 ? 6 : Math.min(2, token.length());
        return platform + ":\u2026" + token.substring(token.length() - shown);
    }
}
