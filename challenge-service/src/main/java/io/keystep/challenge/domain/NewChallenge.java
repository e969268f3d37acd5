package io.keystep.challenge.domain;

import io.keystep.events.Channel;

import java.time.Instant;
import java.util.List;

/**
 * A challenge (verification) about to be stored. Holds the code's digest, never the code.
 *
 * @param challengeId       random id the person's code is checked against
 * @param tenantId          the tenant it belongs to; checks from another tenant see nothing
 * @param subject           whose attempts and lockout it counts against: the user id, or a pseudonym of the
 *                          destination for verifications without a user
 * @param loginId           the login it answers, or null for a direct verification
 * @param deviceFingerprint the login's device, carried to the verification event
 * @param purpose           why the code is asked for (LOGIN, TRANSACTION, ...)
 * @param digest            {@link CodeDigest} of the code (bound to amount and payee for transactions)
 * @param maxAttempts       checks allowed
 * @param expiresAt         when the code stops working
 * @param channelPlan       the channels to try, in order
 * @param destination       where the code goes (E.164 number or email address)
 * @param locale            language of the message
 * @param amount            a transaction's amount, normalised, or null
 * @param payee             a transaction's payee, or null
 * @param codeLength        digits of the code
 */
public record NewChallenge(String challengeId, String tenantId, String subject, String loginId,
                           String deviceFingerprint, String purpose, String digest, int maxAttempts,
                           Instant expiresAt, List<Channel> channelPlan, String destination, String locale,
                           String amount, String payee, int codeLength, String factorId) {

    /** A challenge answered with a sent code (not an authenticator factor). */
    public NewChallenge(String challengeId, String tenantId, String subject, String loginId,
                        String deviceFingerprint, String purpose, String digest, int maxAttempts,
                        Instant expiresAt, List<Channel> channelPlan, String destination, String locale,
                        String amount, String payee, int codeLength) {
        this(challengeId, tenantId, subject, loginId, deviceFingerprint, purpose, digest, maxAttempts, expiresAt,
                channelPlan, destination, locale, amount, payee, codeLength, null);
    }
}
