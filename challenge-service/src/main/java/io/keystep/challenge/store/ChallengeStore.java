package io.keystep.challenge.store;

import io.keystep.challenge.domain.NewChallenge;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Live challenges in Redis: one hash per challenge, created, re-coded and canceled by Lua scripts so that no
 * interleaving of concurrent requests can reset a budget or leave two active challenges. Every key of a user's
 * challenge state is built here, under the user's hash tag ({@link UserTags}): one user's state, one slot.
 */
@ApplicationScoped
public class ChallengeStore {

    /**
     * Writes a new challenge and makes it the subject's active one for its purpose. A pending (or exhausted)
     * challenge it replaces is canceled and its spent attempts carry over: a new challenge never resets the
     * guess count. KEYS[1] the new challenge, KEYS[2] the active index; ARGV[1] ttl ms, ARGV[2] now ms,
     * ARGV[3] new id, ARGV[4] max attempts, then field/value pairs. Replies {inheritedAttempts, canceledId or ''}.
     */
    private static final RedisScript CREATE = RedisScript.load(ChallengeStore.class, "create.lua");

    /**
     * Replaces a pending challenge's code (the old one stops working) without touching its attempts.
     * KEYS[1] the challenge, KEYS[2] its active index; ARGV[1] tenant, ARGV[2] now ms, ARGV[3] new digest,
     * ARGV[4] new expiresAt ms, ARGV[5] ttl ms, ARGV[6] new channel plan or ''. Replies {'ok', sendAttempts},
     * {'not_found'} or {'not_pending', status}.
     */
    private static final RedisScript RESEND = RedisScript.load(ChallengeStore.class, "resend.lua");

    /**
     * Cancels a pending challenge. KEYS[1]; ARGV[1] tenant. Replies {'canceled', announced}, {'not_found'},
     * {'not_pending', s}; announced is '1' once the cancellation's event was acknowledged (see {@link #markAnnounced}).
     */
    private static final RedisScript CANCEL = RedisScript.load(ChallengeStore.class, "cancel.lua");

    private final ReactiveRedisDataSource redis;

    public ChallengeStore(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** The Redis key of a challenge, under its user's hash tag (which its id carries, see {@link UserTags}). */
    public static String challengeKey(String challengeId) {
        return "ks:challenge:{" + UserTags.ofChallenge(challengeId) + "}:" + challengeId;
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
        return create(c, now, retainUntil, Map.of());
    }

    /**
     * Stores a new challenge with fields of its factor's own besides the challenge's ({@code extra}, for example a
     * push's nonce digest), which the hash keeps and readers of the challenge do not see.
     */
    public Uni<Created> create(NewChallenge c, Instant now, Instant retainUntil, Map<String, String> extra) {
        if (!UserTags.ofChallenge(c.challengeId()).equals(UserTags.of(c.tenantId(), c.subject()))) {
            // The check finds the user's lockout under the id's tag: an id made for another subject would split
            // one user's state over two slots.
            return Uni.createFrom().failure(new IllegalArgumentException(
                    "a challenge id must come from UserTags.newChallengeId for its own subject"));
        }
        long ttl = Math.max(1000, Duration.between(now, retainUntil).toMillis());
        List<String> args = new ArrayList<>();
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
        extra.forEach((field, value) -> addField(args, field, value));
        return CREATE.run(redis, List.of(challengeKey(c.challengeId()), activeKey(c.tenantId(), c.subject(),
                        c.purpose())), args.toArray(String[]::new))
                .map(r -> new Created(Integer.parseInt(r.get(0).toString()),
                        r.get(1).toString().isEmpty() ? null : r.get(1).toString()));
    }

    /**
     * A stored challenge: the attempts it inherited and the id of the pending challenge it canceled, if any
     * (whose cancellation the caller announces).
     */
    public record Created(int inherited, String canceledId) {
    }

    private static void addField(List<String> args, String field, String value) {
        if (value != null) {
            args.add(field);
            args.add(value);
        }
    }

    /** The challenge as stored, without its digest; empty when unknown or another tenant's. */
    public Uni<Optional<StoredChallenge>> find(String tenantId, String challengeId) {
        return redis.hash(String.class).hgetall(challengeKey(challengeId)).map(stored -> {
            if (stored == null || stored.isEmpty()) {
                return Optional.<StoredChallenge>empty();
            }
            Map<String, String> hash = new HashMap<>(stored);
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
        return RESEND.run(redis, List.of(challengeKey(c.challengeId()),
                                activeKey(c.tenantId(), c.subject(), c.purpose())), c.tenantId(),
                        Long.toString(now.toEpochMilli()), digest, Long.toString(expiresAt.toEpochMilli()),
                        Long.toString(ttl), channelPlan == null ? "" : channelPlan)
                .map(ChallengeStore::toChange);
    }

    /** Cancels a pending challenge (its code stops working). */
    public Uni<Change> cancel(String tenantId, String challengeId) {
        return CANCEL.run(redis, List.of(challengeKey(challengeId)), tenantId).map(ChallengeStore::toChange);
    }

    private static Change toChange(Response r) {
        return new Change(r.get(0).toString(), r.size() > 1 ? r.get(1).toString() : null);
    }

    /** Notes that a canceled challenge's {@code CANCELED} event was acknowledged, so a repeated cancel sends none. */
    public Uni<Void> markAnnounced(String challengeId) {
        return redis.execute("HSET", challengeKey(challengeId), "cancelAnnounced", "1").replaceWithVoid();
    }

    /** Removes a challenge that lost the race to record its login's decision. */
    public Uni<Void> delete(String challengeId) {
        return redis.execute("DEL", challengeKey(challengeId)).replaceWithVoid();
    }
}
