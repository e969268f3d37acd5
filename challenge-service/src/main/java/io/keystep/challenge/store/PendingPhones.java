package io.keystep.challenge.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Optional;

/**
 * A phone number waiting to prove possession before it becomes the user's: the verification whose code went to it.
 * Short-lived like the code itself; the enrolled phone stays until the new one is confirmed.
 */
@ApplicationScoped
public class PendingPhones {

    private final ReactiveRedisDataSource redis;

    public PendingPhones(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    static String key(String tenantId, String userId) {
        return "ks:pending-phone:{" + UserTags.of(tenantId, userId) + "}:" + tenantId + ":" + userId;
    }

    /** Records the verification that must be approved; a later request for the same user replaces it. */
    public Uni<Void> await(String tenantId, String userId, String verificationId, Duration ttl) {
        return redis.value(String.class).set(key(tenantId, userId), verificationId,
                new io.quarkus.redis.datasource.value.SetArgs().px(Math.max(1000, ttl.toMillis())));
    }

    public Uni<Optional<String>> verificationOf(String tenantId, String userId) {
        return redis.value(String.class).get(key(tenantId, userId)).map(Optional::ofNullable);
    }

    /** Ends the wait, only if it is still for this verification (a newer request stays). */
    public Uni<Void> end(String tenantId, String userId, String verificationId) {
        return redis.execute("EVAL", "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1])"
                + " end return 0", "1", key(tenantId, userId), verificationId).replaceWithVoid();
    }
}
