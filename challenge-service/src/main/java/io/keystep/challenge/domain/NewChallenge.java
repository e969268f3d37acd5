package io.keystep.challenge.domain;

import java.time.Instant;

/**
 * A challenge about to be stored. Holds the code's digest, never the code.
 *
 * @param challengeId       random id the person's code is checked against
 * @param tenantId          the tenant it belongs to; checks from another tenant see nothing
 * @param userId            the user challenged
 * @param loginId           the login it answers, or null for a direct verification
 * @param deviceFingerprint the login's device, carried to the verification event
 * @param purpose           why the code is asked for
 * @param digest            {@link CodeDigest} of the code
 * @param maxAttempts       checks allowed
 * @param expiresAt         when the code stops working
 */
public record NewChallenge(String challengeId, String tenantId, String userId, String loginId,
                           String deviceFingerprint, String purpose, String digest, int maxAttempts,
                           Instant expiresAt) {
}
