package io.keystep.challenge.store;

import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A user's recovery-code attempts: each one is counted, and takes the user's one permit, in Redis before any hash
 * is computed, so that neither parallel guesses nor a flood of them make the server compute more slow hashes than
 * the window allows, and never more than one at a time per user. The window runs on the service clock.
 */
@ApplicationScoped
public class RecoveryAttempts {

    /**
     * KEYS[1] the attempts (hash of window start and count), KEYS[2] the permit. ARGV[1] now ms, ARGV[2] window ms,
     * ARGV[3] attempts per window, ARGV[4] the permit's token, ARGV[5] the permit's lease ms. Replies
     * {'ok', attemptsInWindow}, {'limited', msUntilWindowEnds} or {'busy', msUntilPermitLapses}.
     */
    private static final RedisScript RESERVE = RedisScript.load(RecoveryAttempts.class, "reserve-recovery-attempt.lua");
    /** KEYS[1] the permit, ARGV[1] its token: deleted only by its holder. */
    private static final RedisScript RELEASE = RedisScript.load(RecoveryAttempts.class, "release-recovery-permit.lua");
    /**
     * How long a permit lasts if its holder never releases it (a crash mid-hash). An Argon2 check takes a fraction of
     * a second; a permit that lapses early lets one more attempt run, still counted.
     */
    private static final Duration LEASE = Duration.ofSeconds(10);

    /** An attempt that may compute its hash ({@link #permit} to release afterwards), or why not and for how long. */
    public record Reservation(Outcome outcome, Duration retryAfter, String permit) {
    }

    public enum Outcome { RESERVED, LIMITED, BUSY }

    private final ReactiveRedisDataSource redis;

    public RecoveryAttempts(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    private static String key(String tenantId, String userId) {
        return "ks:recovery-attempts:{" + UserTags.of(tenantId, userId) + "}:" + tenantId + ":" + userId;
    }

    private static String permitKey(String tenantId, String userId) {
        return "ks:recovery-permit:{" + UserTags.of(tenantId, userId) + "}:" + tenantId + ":" + userId;
    }

    /** Reserves one attempt and the user's permit, atomically; nothing is taken when refused. */
    public Uni<Reservation> reserve(String tenantId, String userId, int perWindow, Duration window, Instant now) {
        String token = UUID.randomUUID().toString();
        return RESERVE.run(redis, List.of(key(tenantId, userId), permitKey(tenantId, userId)),
                        Long.toString(now.toEpochMilli()), Long.toString(window.toMillis()), Integer.toString(perWindow),
                        token, Long.toString(LEASE.toMillis()))
                .map(r -> switch (r.get(0).toString()) {
                    case "ok" -> new Reservation(Outcome.RESERVED, null, token);
                    case "limited" -> new Reservation(Outcome.LIMITED,
                            Duration.ofMillis(Math.max(1000, Long.parseLong(r.get(1).toString()))), null);
                    default -> new Reservation(Outcome.BUSY,
                            Duration.ofMillis(Math.max(1000, Long.parseLong(r.get(1).toString()))), null);
                });
    }

    /** Gives the user's permit back (only if this attempt still holds it). */
    public Uni<Void> release(String tenantId, String userId, String permit) {
        return RELEASE.run(redis, List.of(permitKey(tenantId, userId)), permit).replaceWithVoid();
    }

    /** Forgets the user's attempts (after a code was used). */
    public Uni<Void> clear(String tenantId, String userId) {
        return redis.execute("DEL", key(tenantId, userId)).replaceWithVoid();
    }
}
