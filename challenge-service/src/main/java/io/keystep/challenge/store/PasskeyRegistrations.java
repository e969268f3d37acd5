package io.keystep.challenge.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Optional;

/**
 * The challenge of a passkey registration under way, in Redis for a few minutes and taken once: a registration
 * response is verified against the challenge it was made for, and never twice. The challenge is a random nonce the
 * browser sees anyway, not a secret; one user has one registration under way (a new one replaces it).
 */
@ApplicationScoped
public class PasskeyRegistrations {

    private final ReactiveRedisDataSource redis;

    public PasskeyRegistrations(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    static String key(String tenantId, String userId) {
        return "ks:passkey-registration:{" + UserTags.of(tenantId, userId) + "}:" + tenantId + ":" + userId;
    }

    /** Keeps the user's registration challenge (base64url) for {@code ttl}, replacing an earlier one. */
    public Uni<Void> put(String tenantId, String userId, String challenge, Duration ttl) {
        return redis.value(String.class).set(key(tenantId, userId), challenge, new SetArgs().px(ttl)).replaceWithVoid();
    }

    /** Takes the user's registration challenge: answered once, then gone. */
    public Uni<Optional<String>> take(String tenantId, String userId) {
        return redis.value(String.class).getdel(key(tenantId, userId)).map(Optional::ofNullable);
    }
}
