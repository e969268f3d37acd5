package io.keystep.events;

import java.time.Instant;

/**
 * A send or a check was refused by a limit, or a user was locked out. Topic {@link Topics#VERIFICATION_LIMITED}.
 *
 * @param verificationId    the verification concerned, or null when none was created
 * @param userId            the user concerned (for a limit on a destination without a user: the masked destination)
 * @param limit             which limit
 * @param retryAfterSeconds when the caller may try again
 * @param lockedUntil       for a lockout: until when; else null
 * @param destination       the destination, masked, when the limit is about one
 */
public record VerificationLimited(String verificationId, String userId, Limit limit, long retryAfterSeconds,
                                  Instant lockedUntil, String destination) {

    public static final String TYPE = "verification.limited";

    public VerificationLimited {
        Required.text(userId, "userId");
        Required.value(limit, "limit");
    }
}
