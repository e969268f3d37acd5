package io.keystep.delivery.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Remembers which factor-change notices went to which destination (the change's event id and the destination), so
 * that a record consumed twice sends nothing twice. The claim is taken before sending, like a delivery job's: a crash
 * after the claim loses that notice rather than doubling it. The key holds a SHA-256 of the destination, not the
 * number itself.
 */
@ApplicationScoped
public class NoticeLedger {

    private final ReactiveRedisDataSource redis;

    public NoticeLedger(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** True when this call took the notice for this destination; false when it was taken already. */
    public Uni<Boolean> claim(String tenantId, String eventId, String destination, Duration ttl) {
        return OnceKeys.claim(redis, key(tenantId, eventId, destination), Math.max(1, ttl.toSeconds()));
    }

    static String key(String tenantId, String eventId, String destination) {
        return "delivery:notice:{" + tenantId + "}:" + eventId + ":" + sha256(destination);
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
