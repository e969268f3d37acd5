package io.keystep.challenge.store;

import io.smallrye.mutiny.Uni;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
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
    static final String SCRIPT = """
            local now = tonumber(ARGV[1])
            local function window(key, win, max, name)
              if max <= 0 then return nil end
              redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
              if redis.call('ZCARD', key) >= max then
                local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
                return {name, tostring(math.max(1, tonumber(first[2]) + win - now))}
              end
              return nil
            end
            local dwin = tonumber(ARGV[4])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - dwin)
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            local cooldown = tonumber(ARGV[3])
            if last[2] and now - tonumber(last[2]) < cooldown then
              return {'destination_cooldown', tostring(math.max(1, tonumber(last[2]) + cooldown - now))}
            end
            local hit = window(KEYS[1], dwin, tonumber(ARGV[5]), 'destination_window')
              or window(KEYS[2], tonumber(ARGV[6]), tonumber(ARGV[7]), 'ip')
              or window(KEYS[3], tonumber(ARGV[8]), tonumber(ARGV[9]), 'tenant')
            if hit then return hit end
            local specs = {{KEYS[1], dwin, 1}, {KEYS[2], tonumber(ARGV[6]), tonumber(ARGV[7])},
                           {KEYS[3], tonumber(ARGV[8]), tonumber(ARGV[9])}}
            for _, s in ipairs(specs) do
              if s[3] > 0 then
                redis.call('ZADD', s[1], now, ARGV[2])
                redis.call('PEXPIRE', s[1], s[2])
              end
            end
            return {'ok'}
            """;

    /** A limit that refused a send, and when to try again. */
    public record Refusal(String limit, Duration retryAfter) {
    }

    /** The limits of one send. */
    public record Limits(Duration cooldown, Duration destinationWindow, int destinationMax, Duration ipWindow,
                         int ipMax, Duration tenantWindow, int tenantMax) {
    }

    private final ReactiveRedisDataSource redis;

    public SendLimiter(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** Records a send if every limit allows it; otherwise answers the limit that refused it (nothing recorded). */
    public Uni<java.util.Optional<Refusal>> acquire(String tenantId, String destinationKey, String clientIp,
                                                    Limits limits, Instant now) {
        String ip = clientIp == null || clientIp.isBlank() ? "" : clientIp;
        return LuaScript.run(redis, SCRIPT, "3",
                        "ks:sends:dest:{" + tenantId + "}:" + destinationKey,
                        "ks:sends:ip:{" + tenantId + "}:" + ip,
                        "ks:sends:tenant:{" + tenantId + "}",
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
}
