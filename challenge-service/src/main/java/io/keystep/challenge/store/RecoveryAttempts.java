package io.keystep.challenge.store;

import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/** A user's recovery-code attempts in a window, counted before each guess so that parallel guesses each take one. */
@ApplicationScoped
public class RecoveryAttempts {

    /** KEYS[1] the count; ARGV[1] window ms. Replies {attemptsInWindow, msUntilWindowEnds}. */
    private static final RedisScript RESERVE = RedisScript.load(RecoveryAttempts.class, "reserve-recovery-attempt.lua");

    private final ReactiveRedisDataSource redis;

    public RecoveryAttempts(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    private static String key(String tenantId, String userId) {
        return "ks:recovery-attempts:{" + tenantId + "}:" + userId;
    }

    /**
     * Reserves one recovery-code attempt for the user, atomically: answers {@code [attemptsInWindow,
     * msUntilWindowEnds]}. A success clears the count ({@link #clear}).
     */
    public Uni<long[]> reserve(String tenantId, String userId, Duration window) {
        return RESERVE.run(redis, List.of(key(tenantId, userId)), Long.toString(window.toMillis()))
                .map(r -> new long[]{r.get(0).toLong(), r.get(1).toLong()});
    }

    public Uni<Void> clear(String tenantId, String userId) {
        return redis.execute("DEL", key(tenantId, userId)).replaceWithVoid();
    }
}
