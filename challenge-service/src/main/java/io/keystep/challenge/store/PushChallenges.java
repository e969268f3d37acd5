package io.keystep.challenge.store;

import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Push state in Redis: pairing links under way (single use), each user's pushes since the last approval (the
 * fatigue limit), and what a push challenge keeps besides the challenge itself (its nonce's digest and the login's
 * context for the app).
 */
@ApplicationScoped
public class PushChallenges {

    /** Takes one push for a user if fewer than the limit were taken in the window ({@code push-fatigue.lua}). */
    private static final RedisScript TAKE_PUSH = RedisScript.load(PushChallenges.class, "push-fatigue.lua");

    private final ReactiveRedisDataSource redis;

    public PushChallenges(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    static String pairingKey(String token) {
        return "ks:push-pairing:{" + token + "}";
    }

    static String pushesKey(String tenantId, String userId) {
        return "ks:pushes:{" + UserTags.of(tenantId, userId) + "}:" + tenantId + ":" + userId;
    }

    /** Keeps a pairing link's owner ({@code tenant|user}) for {@code ttl}, to be taken once. */
    public Uni<Void> openPairing(String token, String tenantId, String userId, Duration ttl) {
        return redis.value(String.class).set(pairingKey(token), tenantId + "|" + userId, new SetArgs().px(ttl))
                .replaceWithVoid();
    }

    /** Takes a pairing link: its tenant and user, once. */
    public Uni<Optional<String[]>> takePairing(String token) {
        return redis.value(String.class).getdel(pairingKey(token))
                .map(v -> Optional.ofNullable(v).map(s -> s.split("\\|", 2)));
    }

    /** Counts a push to the user; false when the tenant's limit for the window is reached. */
    public Uni<Boolean> takePush(String tenantId, String userId, int max, Duration window) {
        return TAKE_PUSH.run(redis, List.of(pushesKey(tenantId, userId)), Integer.toString(max),
                Long.toString(window.toMillis())).map(r -> r.toInteger() == 1);
    }

    /** The user verified: the fatigue count starts again. */
    public Uni<Void> resetPushes(String tenantId, String userId) {
        return redis.key().del(pushesKey(tenantId, userId)).replaceWithVoid();
    }

    /** The nonce digest and the login's context a push challenge keeps beside its hash; empty when unknown. */
    public Uni<Optional<List<String>>> pushFields(String challengeId) {
        return redis.execute("HMGET", ChallengeStore.challengeKey(challengeId), "tenant", "nonceDigest",
                        "pushContext", "factorId", "userId", "status", "expiresAt", "loginId", "pushTarget")
                .map(r -> {
                    if (r == null || r.get(0) == null || r.get(1) == null) {
                        return Optional.<List<String>>empty();
                    }
                    java.util.List<String> out = new java.util.ArrayList<>();
                    for (int i = 0; i < r.size(); i++) {
                        out.add(r.get(i) == null ? "" : r.get(i).toString());
                    }
                    return Optional.of(out);
                });
    }
}
