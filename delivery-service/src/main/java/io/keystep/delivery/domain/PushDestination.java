package io.keystep.delivery.domain;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A paired phone as a push job names it: {@code fcm:<registration token>} or {@code apns:<device token>}. The token
 * is as secret as a phone number: only {@link #masked()} goes to logs, events and metrics.
 *
 * @param platform {@code fcm} or {@code apns}, also the name of the provider that carries it
 */
public record PushDestination(String platform, String token) {

    public static final String FCM = "fcm";
    public static final String APNS = "apns";

    /** FCM registration tokens: URL-safe text with colons, about 160 characters today (as challenge-service pairs them). */
    private static final Pattern FCM_TOKEN = Pattern.compile("[A-Za-z0-9:_.\\-]{8,4096}");
    /** APNs device tokens: hexadecimal, 64 digits today, longer allowed as Apple reserves. */
    private static final Pattern APNS_TOKEN = Pattern.compile("[0-9a-fA-F]{64,200}");

    /** Whether {@code destination} names a push platform at all, well formed or not. */
    public static boolean names(String destination) {
        return destination.startsWith(FCM + ":") || destination.startsWith(APNS + ":");
    }

    /** The device {@code destination} names, when it is a well-formed push destination. */
    public static Optional<PushDestination> parse(String destination) {
        int colon = destination.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String platform = destination.substring(0, colon);
        String token = destination.substring(colon + 1);
        boolean valid = switch (platform) {
            case FCM -> FCM_TOKEN.matcher(token).matches();
            case APNS -> APNS_TOKEN.matcher(token).matches();
            default -> false;
        };
        return valid ? Optional.of(new PushDestination(platform, token)) : Optional.empty();
    }

    public String masked() {
        return Masking.device(platform, token);
    }

    @Override
    public String toString() {
        return "PushDestination[" + masked() + "]";
    }
}
