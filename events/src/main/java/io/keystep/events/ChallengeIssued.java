package io.keystep.events;

import java.time.Instant;
import java.util.List;

/**
 * A delivery job: send this challenge's code to the person. Topic {@link Topics#CHALLENGE_ISSUED}.
 * The code travels only sealed (JWE, AES-256-GCM) under a key that delivery workers hold.
 *
 * @param challengeId the challenge; delivery jobs are deduplicated on it
 * @param loginId     the login that caused the challenge, or null for a direct verification
 * @param userId      the user challenged
 * @param channelPlan the channels to try, in order
 * @param destination where to send: a phone number as enrolled, or an email address
 * @param sealedCode  the code, sealed for delivery workers: a compact JWE ({@code alg=dir}, {@code enc=A256GCM},
 *                    {@code kid} the key id) bound to tenant and challenge
 * @param locale      the language of the message, for example {@code en}
 * @param expiresAt   when the code stops working
 * @param purpose     why the code is sent; a message names the purpose
 * @param sendAttempt 1 for the first send of the challenge, one more for each resend; delivery is
 *                    deduplicated on the challenge id and this number together
 * @param amount      for a {@link Purpose#TRANSACTION}: the amount the code is bound to, as shown to the person
 * @param payee       for a {@link Purpose#TRANSACTION}: the payee the code is bound to
 */
public record ChallengeIssued(String challengeId, String loginId, String userId, List<Channel> channelPlan,
                              String destination, String sealedCode, String locale, Instant expiresAt,
                              Purpose purpose, int sendAttempt, String amount, String payee) {

    public static final String TYPE = "challenge.issued";

    public ChallengeIssued {
        Required.text(challengeId, "challengeId");
        Required.text(userId, "userId");
        Required.value(channelPlan, "channelPlan");
        if (channelPlan.isEmpty()) {
            throw new IllegalArgumentException("channelPlan must name at least one channel");
        }
        channelPlan = List.copyOf(channelPlan);
        Required.text(destination, "destination");
        Required.text(sealedCode, "sealedCode");
        locale = locale == null || locale.isBlank() ? "en" : locale;
        Required.value(expiresAt, "expiresAt");
        purpose = purpose == null ? Purpose.LOGIN : purpose;
        sendAttempt = Math.max(1, sendAttempt);
    }

    /** The first send of a challenge that is not bound to a transaction. */
    public ChallengeIssued(String challengeId, String loginId, String userId, List<Channel> channelPlan,
                           String destination, String sealedCode, String locale, Instant expiresAt, Purpose purpose) {
        this(challengeId, loginId, userId, channelPlan, destination, sealedCode, locale, expiresAt, purpose, 1,
                null, null);
    }
}
