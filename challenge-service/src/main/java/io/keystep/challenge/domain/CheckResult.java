package io.keystep.challenge.domain;

import io.keystep.events.Channel;

/**
 * The outcome of one atomic check, with what the verification event needs from the challenge.
 *
 * @param status            what the check found
 * @param attemptsUsed      checks spent on the challenge, this one included when it was evaluated
 * @param maxAttempts       the challenge's budget
 * @param userId            the challenged user
 * @param loginId           the login, or null
 * @param deviceFingerprint the login's device, or null
 * @param evaluated         whether this check compared a code (and so spent an attempt)
 * @param channel           the channel the code went out on first, which names the factor
 * @param lockedUntil       when the user's lockout ends, if this check found or started one
 * @param lockoutStarted    whether this check locked the user out (or suspended the factor)
 * @param suspensionStarted whether this check suspended the factor (too many consecutive failures)
 * @param recoveryCodesRemaining for a verification answered with a recovery code: the user's unused codes after
 *                          this check; else null
 * @param enrollmentNudge   on an approved login: the stronger factors to invite the user to add, or empty
 */
public record CheckResult(CheckStatus status, int attemptsUsed, int maxAttempts, String userId, String loginId,
                          String deviceFingerprint, boolean evaluated, Channel channel,
                          java.time.Instant lockedUntil, boolean lockoutStarted,
                          boolean suspensionStarted, Integer recoveryCodesRemaining,
                          java.util.List<String> enrollmentNudge) {

    public CheckResult {
        enrollmentNudge = enrollmentNudge == null ? java.util.List.of() : java.util.List.copyOf(enrollmentNudge);
    }

    public CheckResult(CheckStatus status, int attemptsUsed, int maxAttempts, String userId, String loginId,
                       String deviceFingerprint, boolean evaluated, Channel channel, java.time.Instant lockedUntil,
                       boolean lockoutStarted, boolean suspensionStarted, Integer recoveryCodesRemaining) {
        this(status, attemptsUsed, maxAttempts, userId, loginId, deviceFingerprint, evaluated, channel, lockedUntil,
                lockoutStarted, suspensionStarted, recoveryCodesRemaining, null);
    }

    public CheckResult(CheckStatus status, int attemptsUsed, int maxAttempts, String userId, String loginId,
                       String deviceFingerprint, boolean evaluated, Channel channel, java.time.Instant lockedUntil,
                       boolean lockoutStarted, boolean suspensionStarted) {
        this(status, attemptsUsed, maxAttempts, userId, loginId, deviceFingerprint, evaluated, channel, lockedUntil,
                lockoutStarted, suspensionStarted, null);
    }

    /** The same result, reporting how many recovery codes the user has left. */
    public CheckResult withRecoveryCodesRemaining(int remaining) {
        return new CheckResult(status, attemptsUsed, maxAttempts, userId, loginId, deviceFingerprint, evaluated,
                channel, lockedUntil, lockoutStarted, suspensionStarted, remaining, enrollmentNudge);
    }

    /** The same result, inviting the user to add these factors. */
    public CheckResult withEnrollmentNudge(java.util.List<String> factors) {
        return new CheckResult(status, attemptsUsed, maxAttempts, userId, loginId, deviceFingerprint, evaluated,
                channel, lockedUntil, lockoutStarted, suspensionStarted, recoveryCodesRemaining, factors);
    }

    public int remainingAttempts() {
        return Math.max(0, maxAttempts - attemptsUsed);
    }

    public static CheckResult notFound() {
        return new CheckResult(CheckStatus.NOT_FOUND, 0, 0, null, null, null, false, null, null, false, false);
    }
}
