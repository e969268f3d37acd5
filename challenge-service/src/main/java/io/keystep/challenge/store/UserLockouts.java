package io.keystep.challenge.store;

import io.keystep.challenge.domain.UserLockout;
import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;

/**
 * A user's lockout and suspension, as the check script maintains them ({@link ChallengeChecks}): read before a
 * code is made, and lifted when a factor is re-enabled.
 */
@ApplicationScoped
public class UserLockouts {

    /** Deletes KEYS[1] (the lockout) and KEYS[2] (the failures); replies {lockedUntil or '', suspended or ''}. */
    private static final RedisScript LIFT = RedisScript.load(UserLockouts.class, "lift-lockout.lua");

    private final ReactiveRedisDataSource redis;

    public UserLockouts(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /**
     * The subject's current lockout (the keys the check script maintains), so that no code is generated or sent
     * to a user whose checks would be refused anyway.
     */
    public Uni<UserLockout> lockoutOf(String tenantId, String subject, Instant now) {
        return redis.execute("HMGET", ChallengeStore.lockoutKey(tenantId, subject), "lockedUntil", "suspended")
                .map(r -> {
                    boolean suspended = r.get(1) != null && "1".equals(r.get(1).toString());
                    Instant until = r.get(0) == null ? null : Instant.ofEpochMilli(Long.parseLong(r.get(0).toString()));
                    return new UserLockout(until != null && until.isAfter(now) ? until : null, suspended);
                });
    }

    /**
     * The subject's lockout as support sees it: locked until (null when not locked), suspended, and the failed
     * checks since the last success (the count that suspends at the tenant's {@code failuresToSuspend}).
     */
    public record Standing(Instant lockedUntil, boolean suspended, int failedChecks) {
    }

    /** The subject's standing, read from the keys the check script maintains. */
    public Uni<Standing> standingOf(String tenantId, String subject, Instant now) {
        return redis.execute("HMGET", ChallengeStore.lockoutKey(tenantId, subject), "lockedUntil", "suspended",
                        "consecutive")
                .map(r -> {
                    Instant until = r.get(0) == null ? null : Instant.ofEpochMilli(Long.parseLong(r.get(0).toString()));
                    return new Standing(until != null && until.isAfter(now) ? until : null,
                            r.get(1) != null && "1".equals(r.get(1).toString()),
                            r.get(2) == null ? 0 : Integer.parseInt(r.get(2).toString()));
                });
    }

    /**
     * Lifts the subject's suspension and lockout, and forgets its failures, atomically: answers what was lifted
     * ({@link UserLockout} as it stood; neither set when there was nothing to lift).
     */
    public Uni<UserLockout> liftLockout(String tenantId, String subject, Instant now) {
        return LIFT.run(redis, List.of(ChallengeStore.lockoutKey(tenantId, subject),
                        ChallengeStore.failuresKey(tenantId, subject)))
                .map(r -> {
                    String until = r.get(0).toString();
                    Instant lockedUntil = until.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(until));
                    return new UserLockout(lockedUntil != null && lockedUntil.isAfter(now) ? lockedUntil : null,
                            "1".equals(r.get(1).toString()));
                });
    }
}
