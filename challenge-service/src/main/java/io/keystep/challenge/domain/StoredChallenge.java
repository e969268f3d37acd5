package io.keystep.challenge.domain;

import io.keystep.events.Channel;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A challenge as Redis holds it (without its digest, which never leaves Redis on a read).
 */
public record StoredChallenge(String challengeId, String tenantId, String subject, String loginId,
                              String deviceFingerprint, String purpose, String status, int attempts,
                              int maxAttempts, Instant expiresAt, List<Channel> channelPlan, String destination,
                              String locale, String amount, String payee, int codeLength, int sendAttempts,
                              String factorId) {

    public static StoredChallenge fromHash(String challengeId, Map<String, String> h) {
        return new StoredChallenge(challengeId, h.get("tenant"), h.get("userId"), h.get("loginId"), h.get("device"),
                h.getOrDefault("purpose", "LOGIN"), h.get("status"), parse(h.get("attempts"), 0),
                parse(h.get("maxAttempts"), 0), Instant.ofEpochMilli(Long.parseLong(h.getOrDefault("expiresAt", "0"))),
                channels(h.getOrDefault("channelPlan", "SMS")), h.get("destination"), h.getOrDefault("locale", "en"),
                h.get("amount"), h.get("payee"), parse(h.get("codeLength"), 6), parse(h.get("sendAttempts"), 1),
                h.get("factorId"));
    }

    /** The status a reader should see: a pending challenge whose time ran out is expired. */
    public String effectiveStatus(Instant now) {
        if ("pending".equals(status) && !now.isBefore(expiresAt)) {
            return "expired";
        }
        return status;
    }

    public int remainingAttempts() {
        return Math.max(0, maxAttempts - attempts);
    }

    /** The amount and payee the code is bound to, in the form {@link CodeDigest} takes. */
    public String binding() {
        return Bindings.of(amount, payee);
    }

    private static int parse(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Parses a stored channel plan ({@code SMS,VOICE}). */
    public static List<Channel> channels(String plan) {
        return Arrays.stream(plan.split(",")).filter(s -> !s.isBlank()).map(Channel::valueOf).toList();
    }
}
