package io.keystep.challenge.store;

import io.keystep.challenge.domain.CheckResult;
import io.keystep.challenge.domain.CheckStatus;
import io.keystep.challenge.domain.LockoutRules;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;

/**
 * The check of a presented code against its challenge, as one Lua script, so that no interleaving of concurrent
 * checks can spend more than the budget or approve a code twice.
 */
@ApplicationScoped
public class ChallengeChecks {

    /**
     * The whole check, atomically: existence, tenant, expiry, budget, the user's lockout, attempt, constant-time
     * comparison, consumption, and the user's failure count. KEYS[1] the challenge; ARGV[1] tenant, ARGV[2] now
     * (epoch ms), ARGV[3] presented digest, ARGV[4] failure window ms, ARGV[5] failures that lock, ARGV[6] first
     * lockout ms, ARGV[7] longest lockout ms, ARGV[8] consecutive failures that suspend, ARGV[9] '1' to judge a
     * suspended user's recovery check, ARGV[10] '1' to answer {factor, factorId, userId} (judging nothing) for a
     * challenge answered by an authenticator or a recovery code.
     * Replies {status, attemptsUsed, maxAttempts, userId, loginId, device, evaluated, channelPlan, lockedUntil,
     * lockoutStarted}.
     * The user's lockout keys are derived inside the script from the challenge's tenant and user, under the
     * challenge key's hash tag, which is the user's ({@link UserTags}): one user's state, one slot.
     */
    private static final RedisScript CHECK = RedisScript.load(ChallengeChecks.class, "check.lua");

    private final ReactiveRedisDataSource redis;

    public ChallengeChecks(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** Checks a presented code's digest against the challenge, atomically. */
    public Uni<CheckResult> check(String challengeId, String tenantId, Instant now, String presentedDigest,
                                  LockoutRules rules) {
        return check(challengeId, tenantId, now, presentedDigest, rules, false);
    }

    /**
     * Checks a presented code's digest; with {@code passSuspension} a suspended user's check is still judged (a
     * recovery-code verification for purpose recovery, the way back from a suspension). A lockout still refuses.
     */
    public Uni<CheckResult> check(String challengeId, String tenantId, Instant now, String presentedDigest,
                                  LockoutRules rules, boolean passSuspension) {
        return runCheck(challengeId, tenantId, now, presentedDigest, rules, passSuspension, false)
                .map(ChallengeChecks::toCheckResult);
    }

    /**
     * The outcome of {@link #checkSentCode}: the check's result, or (when the challenge is answered by an
     * authenticator or a recovery code, and nothing was judged) {@code authenticator} as
     * {@link VerificationProofs#authenticatorOf} answers it.
     */
    public record SentCodeCheck(CheckResult result, String[] authenticator) {
    }

    /**
     * Checks a presented code's digest in one round trip when the challenge expects a sent code; a challenge
     * answered by an authenticator or a recovery code is left untouched and named instead, so that only those
     * checks pay a second trip (to {@link #check} once their factor has judged the code).
     */
    public Uni<SentCodeCheck> checkSentCode(String challengeId, String tenantId, Instant now, String presentedDigest,
                                            LockoutRules rules) {
        return runCheck(challengeId, tenantId, now, presentedDigest, rules, false, true)
                .map(r -> "factor".equals(r.get(0).toString())
                        ? new SentCodeCheck(null, new String[]{r.get(1).toString(), r.get(2).toString()})
                        : new SentCodeCheck(toCheckResult(r), null));
    }

    /** Runs the check script with its arguments (see {@link #CHECK}). */
    private Uni<Response> runCheck(String challengeId, String tenantId, Instant now, String presentedDigest,
                                   LockoutRules rules, boolean passSuspension, boolean nameFactor) {
        return CHECK.run(redis, List.of(ChallengeStore.challengeKey(challengeId)), tenantId,
                Long.toString(now.toEpochMilli()), presentedDigest,
                Long.toString(rules.failureWindow().toMillis()), Integer.toString(rules.failuresToLock()),
                Long.toString(rules.firstLockout().toMillis()), Long.toString(rules.maxLockout().toMillis()),
                Integer.toString(rules.failuresToSuspend()), passSuspension ? "1" : "0", nameFactor ? "1" : "0");
    }

    private static CheckResult toCheckResult(Response r) {
        CheckStatus status = CheckStatus.fromWire(r.get(0).toString());
        if (status == CheckStatus.NOT_FOUND) {
            return CheckResult.notFound();
        }
        return new CheckResult(status, Integer.parseInt(r.get(1).toString()), Integer.parseInt(r.get(2).toString()),
                blankToNull(r.get(3).toString()), blankToNull(r.get(4).toString()), blankToNull(r.get(5).toString()),
                "1".equals(r.get(6).toString()),
                StoredChallenge.channels(r.get(7).toString()).stream().findFirst().orElse(null),
                r.get(8).toString().isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(r.get(8).toString())),
                !"0".equals(r.get(9).toString()), "2".equals(r.get(9).toString()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
