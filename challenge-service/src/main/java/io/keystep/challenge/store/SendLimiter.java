package io.keystep.challenge.store;

import io.keystep.challenge.domain.SendLimits;
import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Send limits per destination (cooldown and window), per client IP and per tenant, as sliding windows of send
 * times in Redis sorted sets. One script checks every limit and records the send only when all allow it, so
 * that a refused send consumes nothing. Times come from the service clock, so tests move time instead of
 * sleeping.
 */
@ApplicationScoped
public class SendLimiter {

    /**
     * KEYS[1] destination, KEYS[2] ip, KEYS[3] tenant. ARGV[1] now ms, ARGV[2] member, ARGV[3] cooldown ms,
     * ARGV[4]/[5] destination window ms / max, ARGV[6]/[7] ip, ARGV[8]/[9] tenant (max 0 = no limit).
     * Replies {'ok'} or {limitName, retryAfterMs}.
     */
    private static final RedisScript SCRIPT = RedisScript.load(SendLimiter.class, "send-limits.lua");
    private static final RedisScript END_COOLDOWN = RedisScript.load(SendLimiter.class, "end-cooldown.lua");

    /** A limit that refused a send, and when to try again. */
    public record Refusal(String limit, Duration retryAfter) {
    }

    private final ReactiveRedisDataSource redis;

    public SendLimiter(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** Records a send if every limit allows it; otherwise answers the limit that refused it (nothing recorded). */
    public Uni<java.util.Optional<Refusal>> acquire(String tenantId, String destinationKey, String clientIp,
                                                    SendLimits limits, Instant now) {
        String ip = clientIp == null || clientIp.isBlank() ? "" : clientIp;
        return SCRIPT.run(redis, List.of(destinationKey(tenantId, destinationKey),
                                "ks:sends:ip:{" + tenantId + "}:" + ip, "ks:sends:tenant:{" + tenantId + "}"),
                        Long.toString(now.toEpochMilli()), UUID.randomUUID().toString(),
                        Long.toString(limits.cooldown().toMillis()),
                        Long.toString(limits.destinationWindow().toMillis()), Integer.toString(limits.destinationMax()),
                        Long.toString(limits.ipWindow().toMillis()), Integer.toString(ip.isEmpty() ? 0 : limits.ipMax()),
                        Long.toString(limits.tenantWindow().toMillis()), Integer.toString(limits.tenantMax()))
                .map(r -> "ok".equals(r.get(0).toString())
                        ? java.util.Optional.<Refusal>empty()
                        : java.util.Optional.of(new Refusal(r.get(0).toString(),
                        Duration.ofMillis(Long.parseLong(r.get(1).toString())))));
    }

    /**
     * Ends the cooldown of a destination whose code came back approved: the person has the number in hand, so the
     * login that follows a phone's confirmation is not held back. The send still counts in the destination's window.
     */
    public Uni<Void> endCooldown(String tenantId, String destinationKey, Duration cooldown, Instant now) {
        return END_COOLDOWN.run(redis, List.of(destinationKey(tenantId, destinationKey)),
                Long.toString(now.toEpochMilli()), Long.toString(cooldown.toMillis())).replaceWithVoid();
    }

    private static String destinationKey(String tenantId, String destinationKey) {
        return "ks:sends:dest:{" + tenantId + "}:" + destinationKey;
    }
}
