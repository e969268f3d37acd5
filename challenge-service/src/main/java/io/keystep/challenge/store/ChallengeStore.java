package io.keystep.challenge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.domain.CheckResult;
import io.keystep.challenge.domain.CheckStatus;
import io.keystep.challenge.domain.LoginDecisionRecord;
import io.keystep.challenge.domain.NewChallenge;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Live challenges and login decisions in Redis. A challenge is one hash; every check is one Lua script, so that
 * no interleaving of concurrent checks can spend more than the budget or approve a code twice.
 */
@ApplicationScoped
public class ChallengeStore {

    /**
     * The whole check, atomically: existence, tenant, expiry, budget, attempt, constant-time comparison,
     * consumption. KEYS[1] the challenge; ARGV[1] tenant, ARGV[2] now (epoch ms), ARGV[3] presented digest.
     * Replies {status, attemptsUsed, maxAttempts, userId, loginId, device, evaluated}.
     */
    static final String CHECK_SCRIPT = """
            local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'attempts', 'maxAttempts', 'expiresAt',
                                 'digest', 'userId', 'loginId', 'device')
            if not f[1] or f[1] ~= ARGV[1] then
              return {'not_found'}
            end
            local status = f[2]
            local attempts = tonumber(f[3]) or 0
            local max = tonumber(f[4]) or 0
            local function reply(s, evaluated)
              return {s, tostring(attempts), tostring(max), f[7] or '', f[8] or '', f[9] or '', evaluated}
            end
            if status == 'approved' then return reply('already_used', '0') end
            if status == 'canceled' then return reply('canceled', '0') end
            if tonumber(ARGV[2]) >= (tonumber(f[5]) or 0) then
              redis.call('HSET', KEYS[1], 'status', 'expired')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('expired', '0')
            end
            if status ~= 'pending' or attempts >= max then
              redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('max_attempts_reached', '0')
            end
            attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
            local stored = f[6] or ''
            local presented = ARGV[3]
            -- Every byte is compared and the differences accumulated: no early exit that timing could reveal.
            local diff = bit.bxor(#stored, #presented)
            local n = math.max(#stored, #presented)
            for i = 1, n do
              diff = bit.bor(diff, bit.bxor(string.byte(stored, i) or 0, string.byte(presented, i) or 0))
            end
            if diff == 0 and #stored > 0 then
              redis.call('HSET', KEYS[1], 'status', 'approved')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('approved', '1')
            end
            if attempts >= max then
              redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('max_attempts_reached', '1')
            end
            return reply('pending', '1')
            """;

    /** Writes a challenge hash and its time to live together. KEYS[1]; ARGV[1] ttl ms, then field/value pairs. */
    static final String CREATE_SCRIPT = """
            redis.call('DEL', KEYS[1])
            for i = 2, #ARGV, 2 do
              redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1
            """;

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;

    public ChallengeStore(ReactiveRedisDataSource redis, ObjectMapper mapper) {
        this.redis = redis;
        this.mapper = mapper;
    }

    /** The Redis key of a challenge; the id is the hash tag so that a cluster keeps one challenge on one slot. */
    public static String challengeKey(String challengeId) {
        return "ks:challenge:{" + challengeId + "}";
    }

    static String loginKey(String tenantId, String loginId) {
        return "ks:login:{" + tenantId + "}:" + loginId;
    }

    /** Stores a new challenge, readable until {@code retainUntil}. */
    public Uni<Void> create(NewChallenge c, Instant now, Instant retainUntil) {
        long ttl = Math.max(1000, Duration.between(now, retainUntil).toMillis());
        List<String> args = new ArrayList<>();
        args.add(CREATE_SCRIPT);
        args.add("1");
        args.add(challengeKey(c.challengeId()));
        args.add(Long.toString(ttl));
        addField(args, "tenant", c.tenantId());
        addField(args, "userId", c.userId());
        addField(args, "loginId", c.loginId());
        addField(args, "device", c.deviceFingerprint());
        addField(args, "purpose", c.purpose());
        addField(args, "digest", c.digest());
        addField(args, "attempts", "0");
        addField(args, "maxAttempts", Integer.toString(c.maxAttempts()));
        addField(args, "expiresAt", Long.toString(c.expiresAt().toEpochMilli()));
        addField(args, "status", "pending");
        return redis.execute("EVAL", args.toArray(String[]::new)).replaceWithVoid();
    }

    private static void addField(List<String> args, String field, String value) {
        if (value != null) {
            args.add(field);
            args.add(value);
        }
    }

    /** Checks a presented code's digest against the challenge, atomically. */
    public Uni<CheckResult> check(String challengeId, String tenantId, Instant now, String presentedDigest) {
        return redis.execute("EVAL", CHECK_SCRIPT, "1", challengeKey(challengeId), tenantId,
                        Long.toString(now.toEpochMilli()), presentedDigest)
                .map(ChallengeStore::toCheckResult);
    }

    private static CheckResult toCheckResult(Response r) {
        CheckStatus status = CheckStatus.fromWire(r.get(0).toString());
        if (status == CheckStatus.NOT_FOUND) {
            return CheckResult.notFound();
        }
        return new CheckResult(status, Integer.parseInt(r.get(1).toString()), Integer.parseInt(r.get(2).toString()),
                blankToNull(r.get(3).toString()), blankToNull(r.get(4).toString()), blankToNull(r.get(5).toString()),
                "1".equals(r.get(6).toString()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * Records the login's decision unless one is recorded already. False means the login was decided before
     * (a redelivered event) and nothing must be issued again.
     */
    public Uni<Boolean> recordLoginDecisionOnce(String tenantId, LoginDecisionRecord decision, Duration ttl) {
        return redis.execute("SET", loginKey(tenantId, decision.loginId()), toJson(decision), "NX", "PX",
                        Long.toString(ttl.toMillis()))
                .map(r -> r != null && "OK".equals(r.toString()));
    }

    /** The login's decision, if it is known. */
    public Uni<Optional<LoginDecisionRecord>> loginDecision(String tenantId, String loginId) {
        return redis.execute("GET", loginKey(tenantId, loginId))
                .map(r -> r == null ? Optional.empty() : Optional.of(fromJson(r.toString())));
    }

    /** Removes a challenge that lost the race to record its login's decision. */
    public Uni<Void> delete(String challengeId) {
        return redis.execute("DEL", challengeKey(challengeId)).replaceWithVoid();
    }

    private String toJson(LoginDecisionRecord decision) {
        try {
            return mapper.writeValueAsString(decision);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private LoginDecisionRecord fromJson(String json) {
        try {
            return mapper.readValue(json, LoginDecisionRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable login decision", e);
        }
    }
}
