package io.keystep.challenge.store;

import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Remembers which verification an {@code Idempotency-Key} created, so that a repeated request sends nothing. */
@ApplicationScoped
public class IdempotencyKeys {

    /** KEYS[1]; ARGV[1] value, ARGV[2] ttl ms. Replies the earlier value, or nil when this call claimed the key. */
    private static final RedisScript CLAIM = RedisScript.load(IdempotencyKeys.class, "claim-idempotency-key.lua");

    private final ReactiveRedisDataSource redis;

    public IdempotencyKeys(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    private static String key(String tenantId, String idempotencyKey) {
        return "ks:idem:{" + tenantId + "}:" + idempotencyKey;
    }

    /** Claims the key for {@code value}; answers the value recorded earlier when it was claimed already. */
    public Uni<Optional<String>> claim(String tenantId, String idempotencyKey, String value, Duration ttl) {
        return CLAIM.run(redis, List.of(key(tenantId, idempotencyKey)), value,
                        Long.toString(ttl.toMillis()))
                .map(r -> r == null ? Optional.<String>empty() : Optional.of(r.toString()));
    }

    /** Frees a key whose request failed, so that the gateway's retry can succeed. */
    public Uni<Void> release(String tenantId, String idempotencyKey) {
        return redis.execute("DEL", key(tenantId, idempotencyKey)).replaceWithVoid();
    }
}
