package io.keystep.events;

import java.util.List;

/**
 * One check of a code and its outcome. Topic {@link Topics#VERIFICATION_COMPLETED}.
 *
 * @param challengeId       the challenge checked
 * @param loginId           the login it belongs to, or null for a direct verification
 * @param userId            the user checked
 * @param factor            the factor the person answered with
 * @param outcome           approved, rejected, expired or locked
 * @param attemptsUsed      how many checks the challenge has used, this one included
 * @param deviceFingerprint the login's device, so that risk-service can learn it on approval
 * @param enrollmentNudge   on an approved login answered on the phone, when the tenant's policy says it is time: the
 *                          stronger factors ({@code totp}, ...) to invite the user to add; else null
 */
public record VerificationCompleted(String challengeId, String loginId, String userId, Factor factor,
                                    Outcome outcome, int attemptsUsed, String deviceFingerprint,
                                    List<String> enrollmentNudge) {

    public static final String TYPE = "verification.completed";

    public VerificationCompleted {
        Required.text(challengeId, "challengeId");
        Required.text(userId, "userId");
        Required.value(factor, "factor");
        Required.value(outcome, "outcome");
        enrollmentNudge = enrollmentNudge == null || enrollmentNudge.isEmpty() ? null : List.copyOf(enrollmentNudge);
    }

    /** A completion without an enrollment nudge. */
    public VerificationCompleted(String challengeId, String loginId, String userId, Factor factor, Outcome outcome,
                                 int attemptsUsed, String deviceFingerprint) {
        this(challengeId, loginId, userId, factor, outcome, attemptsUsed, deviceFingerprint, null);
    }
}
