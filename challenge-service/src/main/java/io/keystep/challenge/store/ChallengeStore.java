package io.keystep.challenge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.domain.CheckResult;
import io.keystep.challenge.domain.CheckStatus;
import io.keystep.challenge.domain.LoginDecisionRecord;
import io.keystep.challenge.domain.NewChallenge;
import io.keystep.challenge.domain.StoredChallenge;
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
     * The whole check, atomically: existence, tenant, expiry, budget, the user's lockout, attempt, constant-time
     * comparison, consumption, and the user's failure count. KEYS[1] the challenge; ARGV[1] tenant, ARGV[2] now
     * (epoch ms), ARGV[3] presented digest, ARGV[4] failure window ms, ARGV[5] failures that lock, ARGV[6] first
     * lockout ms, ARGV[7] longest lockout ms, ARGV[8] consecutive failures that suspend, ARGV[9] '1' to judge a
     * suspended user's recovery check, ARGV[10] '1' to answer {factor, factorId, userId} (judging nothing) for a
     * challenge answered by an authenticator or a recovery code.
     * Replies {status, attemptsUsed, maxAttempts, userId, loginId, device, evaluated, channelPlan, lockedUntil,
     * lockoutStarted}.
     * The user's lockout keys are derived inside the script from the challenge's tenant and user, under the
     * challenge key's hash tag, which is the user's ({@link UserTags}): one user's state, one slot.
     */
    static final String CHECK_SCRIPT = LuaScript.read("check.lua");

    /**
     * Writes a new challenge and makes it the subject's active one for its purpose. A pending (or exhausted)
     * challenge it replaces is canceled and its spent attempts carry over: a new challenge never resets the
     * guess count. KEYS[1] the new challenge, KEYS[2] the active index; ARGV[1] ttl ms, ARGV[2] now ms,
     * ARGV[3] new id, ARGV[4] max attempts, then field/value pairs. Replies {inheritedAttempts, canceledId or ''}.
     */
    static final String CREATE_SCRIPT = """
            local inherited = 0
            local canceled = ''
            local old = redis.call('GET', KEYS[2])
            if old and old ~= ARGV[3] then
              local okey = 'ks:challenge:{' .. string.match(KEYS[1], '{(.-)}') .. '}:' .. old
              local st = redis.call('HMGET', okey, 'status', 'attempts', 'expiresAt')
              if st[1] and (tonumber(st[3]) or 0) > tonumber(ARGV[2])
                  and (st[1] == 'pending' or st[1] == 'max_attempts_reached') then
                inherited = tonumber(st[2]) or 0
                if st[1] == 'pending' then
                  redis.call('HSET', okey, 'status', 'canceled')
                  redis.call('HDEL', okey, 'digest')
                  canceled = old
                end
              end
            end
            if inherited > tonumber(ARGV[4]) then inherited = tonumber(ARGV[4]) end
            redis.call('DEL', KEYS[1])
            for i = 5, #ARGV, 2 do
              redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            end
            redis.call('HSET', KEYS[1], 'attempts', tostring(inherited), 'maxAttempts', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[1])
            return {tostring(inherited), canceled}
            """;

    /**
     * Replaces a pending challenge's code (the old one stops working) without touching its attempts.
     * KEYS[1] the challenge, KEYS[2] its active index; ARGV[1] tenant, ARGV[2] now ms, ARGV[3] new digest,
     * ARGV[4] new expiresAt ms, ARGV[5] ttl ms, ARGV[6] new channel plan or ''. Replies {'ok', sendAttempts},
     * {'not_found'} or {'not_pending', status}.
     */
    static final String RESEND_SCRIPT = """
            local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'expiresAt')
            if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
            if f[2] ~= 'pending' then return {'not_pending', f[2]} end
            if tonumber(ARGV[2]) >= (tonumber(f[3]) or 0) then return {'not_pending', 'expired'} end
            redis.call('HSET', KEYS[1], 'digest', ARGV[3], 'expiresAt', ARGV[4])
            if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'channelPlan', ARGV[6]) end
            local n = redis.call('HINCRBY', KEYS[1], 'sendAttempts', 1)
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            local id = string.match(KEYS[1], '}:(.*)$')
            if redis.call('GET', KEYS[2]) == id then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
            return {'ok', tostring(n)}
            """;

    /**
     * Cancels a pending challenge. KEYS[1]; ARGV[1] tenant. Replies {'canceled', announced}, {'not_found'},
     * {'not_pending', s}; announced is '1' once the cancellation's event was acknowledged (see {@link #markAnnounced}).
     */
    static final String CANCEL_SCRIPT = """
            local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'cancelAnnounced')
            if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
            if f[2] == 'pending' or f[2] == 'canceled' then
              redis.call('HSET', KEYS[1], 'status', 'canceled')
              redis.call('HDEL', KEYS[1], 'digest')
              return {'canceled', f[3] or '0'}
            end
            return {'not_pending', f[2]}
            """;

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;

    public ChallengeStore(ReactiveRedisDataSource redis, ObjectMapper mapper) {
        this.redis = redis;
        this.mapper = mapper;
    }

    /** The Redis key of a challenge, under its user's hash tag (which its id carries, see {@link UserTags}). */
    public static String challengeKey(String challengeId) {
        return "ks:challenge:{" + UserTags.ofChallenge(challengeId) + "}:" + challengeId;
    }

    static String loginKey(String tenantId, String loginId) {
        return "ks:login:{" + tenantId + "}:" + loginId;
    }

    static String activeKey(String tenantId, String subject, String purpose) {
        return "ks:active:{" + UserTags.of(tenantId, subject) + "}:" + tenantId + ":" + subject + ":" + purpose;
    }

    /** The subject's lockout (check.lua builds the same key). */
    static String lockoutKey(String tenantId, String subject) {
        return "ks:lockout:{" + UserTags.of(tenantId, subject) + "}:" + tenantId + ":" + subject;
    }

    /** The subject's failed checks in the failure window (check.lua builds the same key). */
    static String failuresKey(String tenantId, String subject) {
        return "ks:failures:{" + UserTags.of(tenantId, subject) + "}:" + tenantId + ":" + subject;
    }

    /**
     * Stores a new challenge, readable until {@code retainUntil}, replacing the subject's active challenge for
     * the same purpose. Answers how many attempts it inherited.
     */
    public Uni<Created> create(NewChallenge c, Instant now, Instant retainUntil) {
        if (!UserTags.ofChallenge(c.challengeId()).equals(UserTags.of(c.tenantId(), c.subject()))) {
            // The check finds the user's lockout under the id's tag: an id made for another subject would split
            // one user's state over two slots.
            return Uni.createFrom().failure(new IllegalArgumentException(
                    "a challenge id must come from UserTags.newChallengeId for its own subject"));
        }
        long ttl = Math.max(1000, Duration.between(now, retainUntil).toMillis());
        List<String> args = new ArrayList<>();
        args.add("2");
        args.add(challengeKey(c.challengeId()));
        args.add(activeKey(c.tenantId(), c.subject(), c.purpose()));
        args.add(Long.toString(ttl));
        args.add(Long.toString(now.toEpochMilli()));
        args.add(c.challengeId());
        args.add(Integer.toString(c.maxAttempts()));
        addField(args, "tenant", c.tenantId());
        addField(args, "userId", c.subject());
        addField(args, "loginId", c.loginId());
        addField(args, "device", c.deviceFingerprint());
        addField(args, "purpose", c.purpose());
        addField(args, "digest", c.digest());
        addField(args, "expiresAt", Long.toString(c.expiresAt().toEpochMilli()));
        addField(args, "status", "pending");
        addField(args, "channelPlan", String.join(",", c.channelPlan().stream().map(Enum::name).toList()));
        addField(args, "destination", c.destination());
        addField(args, "locale", c.locale());
        addField(args, "amount", c.amount());
        addField(args, "payee", c.payee());
        addField(args, "codeLength", Integer.toString(c.codeLength()));
        addField(args, "factorId", c.factorId());
        addField(args, "sendAttempts", c.factorId() == null ? "1" : "0");
        addField(args, "createdAt", Long.toString(now.toEpochMilli()));
        return LuaScript.run(redis, CREATE_SCRIPT, args.toArray(String[]::new)).map(r -> new Created(
                Integer.parseInt(r.get(0).toString()), r.get(1).toString().isEmpty() ? null : r.get(1).toString()));
    }

    /**
     * A stored challenge: the attempts it inherited and the id of the pending challenge it canceled, if any
     * (whose cancellation the caller announces).
     */
    public record Created(int inherited, String canceledId) {
    }

    /** A user's lockout as the check script left it: locked until (null when not locked) and suspended. */
    public record UserLockout(Instant lockedUntil, boolean suspended) {
    }

    /**
     * The subject's current lockout (the keys the check script maintains), so that no code is generated or sent
     * to a user whose checks would be refused anyway.
     */
    public Uni<UserLockout> lockoutOf(String tenantId, String subject, Instant now) {
        return redis.execute("HMGET", lockoutKey(tenantId, subject), "lockedUntil", "suspended")
                .map(r -> {
                    boolean suspended = r.get(1) != null && "1".equals(r.get(1).toString());
                    Instant until = r.get(0) == null ? null : Instant.ofEpochMilli(Long.parseLong(r.get(0).toString()));
                    return new UserLockout(until != null && until.isAfter(now) ? until : null, suspended);
                });
    }

    /** Notes that a canceled challenge's {@code CANCELED} event was acknowledged, so a repeated cancel sends none. */
    public Uni<Void> markAnnounced(String challengeId) {
        return redis.execute("HSET", challengeKey(challengeId), "cancelAnnounced", "1").replaceWithVoid();
    }

    private static void addField(List<String> args, String field, String value) {
        if (value != null) {
            args.add(field);
            args.add(value);
        }
    }

    /** How failed checks lock a user out. */
    public record LockoutRules(Duration failureWindow, int failuresToLock, Duration firstLockout,
                               Duration maxLockout, int failuresToSuspend) {
    }

    /** Checks a presented code's digest against the challenge, atomically. */
    public Uni<CheckResult> check(String challengeId, String tenantId, Instant now, String presentedDigest,
                                  LockoutRules rules) {
        return check(challengeId, tenantId, now, presentedDigest, rules, false);
    }

    /**
     * Checks a presented code's digest; with {@code passSuspension} a suspended user's check is still judged (a
     * recovery-code verification for purpose recovery, the way back from a suspension). A lockout still refuses.
     */
    public Uni<CheckResult> check(String challengeId, String tenantId, Instant now, String presentedDigest,
                                  LockoutRules rules, boolean passSuspension) {
        return runCheck(challengeId, tenantId, now, presentedDigest, rules, passSuspension, false)
                .map(ChallengeStore::toCheckResult);
    }

    /** Runs the check script with its arguments (see {@link #CHECK_SCRIPT}). */
    private Uni<Response> runCheck(String challengeId, String tenantId, Instant now, String presentedDigest,
                                   LockoutRules rules, boolean passSuspension, boolean nameFactor) {
        return LuaScript.run(redis, CHECK_SCRIPT, "1", challengeKey(challengeId), tenantId,
                Long.toString(now.toEpochMilli()), presentedDigest,
                Long.toString(rules.failureWindow().toMillis()), Integer.toString(rules.failuresToLock()),
                Long.toString(rules.firstLockout().toMillis()), Long.toString(rules.maxLockout().toMillis()),
                Integer.toString(rules.failuresToSuspend()), passSuspension ? "1" : "0", nameFactor ? "1" : "0");
    }

    /**
     * The outcome of {@link #checkSentCode}: the check's result, or (when the challenge is answered by an
     * authenticator or a recovery code, and nothing was judged) {@code authenticator} as {@link #authenticatorOf}
     * answers it.
     */
    public record SentCodeCheck(CheckResult result, String[] authenticator) {
    }

    /**
     * Checks a presented code's digest in one round trip when the challenge expects a sent code; a challenge
     * answered by an authenticator or a recovery code is left untouched and named instead, so that only those
     * checks pay a second trip (to {@link #check} once their factor has judged the code).
     */
    public Uni<SentCodeCheck> checkSentCode(String challengeId, String tenantId, Instant now, String presentedDigest,
                                            LockoutRules rules) {
        return runCheck(challengeId, tenantId, now, presentedDigest, rules, false, true)
                .map(r -> "factor".equals(r.get(0).toString())
                        ? new SentCodeCheck(null, new String[]{r.get(1).toString(), r.get(2).toString()})
                        : new SentCodeCheck(toCheckResult(r), null));
    }

    /**
     * Lifts the subject's suspension and lockout, and forgets its failures, atomically: answers what was lifted
     * ({@link UserLockout} as it stood; neither set when there was nothing to lift).
     */
    public Uni<UserLockout> liftLockout(String tenantId, String subject, Instant now) {
        return LuaScript.run(redis, """
                        local f = redis.call('HMGET', KEYS[1], 'lockedUntil', 'suspended')
                        redis.call('DEL', KEYS[1], KEYS[2])
                        return {f[1] or '', f[2] or ''}
                        """, "2", lockoutKey(tenantId, subject), failuresKey(tenantId, subject))
                .map(r -> {
                    String until = r.get(0).toString();
                    Instant lockedUntil = until.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(until));
                    return new UserLockout(lockedUntil != null && lockedUntil.isAfter(now) ? lockedUntil : null,
                            "1".equals(r.get(1).toString()));
                });
    }

    private static CheckResult toCheckResult(Response r) {
        CheckStatus status = CheckStatus.fromWire(r.get(0).toString());
        if (status == CheckStatus.NOT_FOUND) {
            return CheckResult.notFound();
        }
        return new CheckResult(status, Integer.parseInt(r.get(1).toString()), Integer.parseInt(r.get(2).toString()),
                blankToNull(r.get(3).toString()), blankToNull(r.get(4).toString()), blankToNull(r.get(5).toString()),
                "1".equals(r.get(6).toString()),
                StoredChallenge.channels(r.get(7).toString()).stream().findFirst().orElse(null),
                r.get(8).toString().isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(r.get(8).toString())),
                !"0".equals(r.get(9).toString()), "2".equals(r.get(9).toString()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * For a challenge answered with an authenticator: {@code [factorId, userId]}; empty when the challenge is
     * unknown, another tenant's, or answered with a sent code.
     */
    public Uni<Optional<String[]>> authenticatorOf(String tenantId, String challengeId) {
        return redis.execute("HMGET", challengeKey(challengeId), "tenant", "factorId", "userId").map(r -> {
            if (r == null || r.get(0) == null || r.get(1) == null || !tenantId.equals(r.get(0).toString())) {
                return Optional.<String[]>empty();
            }
            return Optional.of(new String[]{r.get(1).toString(), r.get(2) == null ? "" : r.get(2).toString()});
        });
    }

    /**
     * Claims the right to trust a device after this challenge's approval, once: answers {@code ok} with the
     * user, the login's device fingerprint (or empty) and the purpose; or {@code not_found}, {@code not_approved},
     * {@code not_a_login}, {@code wrong_device}, {@code fingerprint_required}, {@code already_trusted}.
     */
    public Uni<List<String>> claimTrust(String tenantId, String challengeId, String presentedFingerprint) {
        return LuaScript.run(redis, CLAIM_TRUST_SCRIPT, "1", challengeKey(challengeId), tenantId,
                        presentedFingerprint == null ? "" : presentedFingerprint)
                .map(r -> {
                    List<String> out = new ArrayList<>();
                    for (int i = 0; i < r.size(); i++) {
                        out.add(r.get(i) == null ? "" : r.get(i).toString());
                    }
                    return out;
                });
    }

    static final String CLAIM_TRUST_SCRIPT = """
            local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'userId', 'device', 'purpose')
            if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
            if f[2] ~= 'approved' then return {'not_approved'} end
            local user = f[3] or ''
            if user == '' or f[5] ~= 'LOGIN' or (#user == 37 and string.match(user, '^anon%-%x+$')) then
              return {'not_a_login'}
            end
            local device = f[4] or ''
            if device ~= '' and ARGV[2] ~= '' and ARGV[2] ~= device then return {'wrong_device'} end
            if device == '' and ARGV[2] == '' then return {'fingerprint_required'} end
            -- Checked before claiming, so that a refused request does not use up the verification's one trust.
            if redis.call('HSETNX', KEYS[1], 'deviceTrusted', '1') == 0 then return {'already_trusted'} end
            return {'ok', f[3] or '', f[4] or '', f[5] or ''}
            """;

    /**
     * The approval of a verification as a step-up proof: {@code [userId, purpose, approvedAtMillis]} when it is
     * this tenant's and approved; else empty.
     */
    public Uni<Optional<String[]>> approval(String tenantId, String challengeId) {
        return redis.execute("HMGET", challengeKey(challengeId), "tenant", "status", "userId", "purpose", "approvedAt")
                .map(r -> {
                    if (r == null || r.get(0) == null || !tenantId.equals(r.get(0).toString()) || r.get(1) == null
                            || !"approved".equals(r.get(1).toString()) || r.get(4) == null) {
                        return Optional.<String[]>empty();
                    }
                    return Optional.of(new String[]{r.get(2) == null ? "" : r.get(2).toString(),
                            r.get(3) == null ? "" : r.get(3).toString(), r.get(4).toString()});
                });
    }

    /**
     * Reserves one recovery-code attempt for the user, atomically (parallel guesses each take one): answers
     * {@code [attemptsInWindow, msUntilWindowEnds]}. A success clears the count ({@link #clearRecoveryAttempts}).
     */
    public Uni<long[]> reserveRecoveryAttempt(String tenantId, String userId, java.time.Duration window) {
        return LuaScript.run(redis, """
                        local n = redis.call('INCR', KEYS[1])
                        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
                        return {n, redis.call('PTTL', KEYS[1])}
                        """, "1", "ks:recovery-attempts:{" + tenantId + "}:" + userId, Long.toString(window.toMillis()))
                .map(r -> new long[]{r.get(0).toLong(), r.get(1).toLong()});
    }

    public Uni<Void> clearRecoveryAttempts(String tenantId, String userId) {
        return redis.execute("DEL", "ks:recovery-attempts:{" + tenantId + "}:" + userId).replaceWithVoid();
    }

    /** The challenge as stored, without its digest; empty when unknown or another tenant's. */
    public Uni<Optional<StoredChallenge>> find(String tenantId, String challengeId) {
        return redis.hash(String.class).hgetall(challengeKey(challengeId)).map(stored -> {
            if (stored == null || stored.isEmpty()) {
                return Optional.<StoredChallenge>empty();
            }
            java.util.Map<String, String> hash = new java.util.HashMap<>(stored);
            hash.remove("digest");
            if (!tenantId.equals(hash.get("tenant"))) {
                return Optional.<StoredChallenge>empty();
            }
            return Optional.of(StoredChallenge.fromHash(challengeId, hash));
        });
    }

    /** Outcome of a resend or cancel: {@code ok}/{@code canceled}, {@code not_found} or {@code not_pending}. */
    public record Change(String result, String detail) {
    }

    /** Replaces the code of a pending challenge; the attempt budget is kept. */
    public Uni<Change> replaceCode(StoredChallenge c, Instant now, String digest, Instant expiresAt,
                                   Instant retainUntil, String channelPlan) {
        long ttl = Math.max(1000, Duration.between(now, retainUntil).toMillis());
        return LuaScript.run(redis, RESEND_SCRIPT, "2", challengeKey(c.challengeId()),
                        activeKey(c.tenantId(), c.subject(), c.purpose()), c.tenantId(),
                        Long.toString(now.toEpochMilli()), digest, Long.toString(expiresAt.toEpochMilli()),
                        Long.toString(ttl), channelPlan == null ? "" : channelPlan)
                .map(ChallengeStore::toChange);
    }

    /** Cancels a pending challenge (its code stops working). */
    public Uni<Change> cancel(String tenantId, String challengeId) {
        return LuaScript.run(redis, CANCEL_SCRIPT, "1", challengeKey(challengeId), tenantId)
                .map(ChallengeStore::toChange);
    }

    private static Change toChange(Response r) {
        return new Change(r.get(0).toString(), r.size() > 1 ? r.get(1).toString() : null);
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

    /**
     * Notes that the login's decision (and, when challenged, its delivery job) were acknowledged by Kafka. Until
     * then a redelivered verdict publishes them again, so that no decided login is missing from the trail.
     */
    public Uni<Void> markLoginPublished(String tenantId, String loginId, Duration ttl) {
        return redis.execute("SET", loginKey(tenantId, loginId) + ":published", "1", "PX",
                Long.toString(ttl.toMillis())).replaceWithVoid();
    }

    /** Whether the login's decision was published and acknowledged (see {@link #markLoginPublished}). */
    public Uni<Boolean> loginPublished(String tenantId, String loginId) {
        return redis.execute("EXISTS", loginKey(tenantId, loginId) + ":published")
                .map(r -> r != null && r.toInteger() == 1);
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
