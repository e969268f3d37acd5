package io.keystep.delivery.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.delivery.domain.DeliveryJob;
import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a job stands on its channel plan, the fallback timers, and which provider message belongs to which job, all
 * in Redis, so that a restarted (or another) instance picks up timers and receipts where this one left them.
 * <ul>
 *   <li>{@code delivery:attempt:{tenant}:<challengeId>}: hash with the challenge's newest send (job with the code
 *   sealed), its send attempt, the current step, delivered</li>
 *   <li>{@code delivery:fallback-timers}: sorted set, score = due time in epoch millis, member =
 *   {@code <challengeId>|<step>|<sendAttempt>|<tenant>}</li>
 *   <li>{@code delivery:message:<provider>:<messageId>}: the send and step a provider message belongs to</li>
 * </ul>
 */
@ApplicationScoped
public class DeliveryAttempts {

    public static final String TIMERS = "delivery:fallback-timers";
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(3);

    /**
     * Takes the job (the ledger's {@code SET NX}, as {@link DeliveryJobLedger#claim}) and starts its send, in one
     * step: 0 when the job was already taken, 2 when the same or a later send of the challenge already started (the
     * job stays taken), 1 when this send is now the challenge's current one. Both keys share the tenant's hash tag.
     * A resend replaces the code, so the state (step, delivered, timers' and receipts' reference) follows the newest
     * send only.
     */
    private static final RedisScript CLAIM_AND_START = RedisScript.load(DeliveryAttempts.class, "claim-and-start.lua");
    /**
     * {@link #CLAIM_AND_START}, then, for a started send, {@link SendRateGuard}'s check and count of it (all keys
     * share the tenant's hash tag): 0 or 2 as there, or the rate verdict ({@code OK} or the rule that blocks).
     */
    private static final RedisScript CLAIM_START_AND_ADMIT = RedisScript.of("claim-start-and-admit",
            CLAIM_AND_START.source().substring(0, CLAIM_AND_START.source().lastIndexOf("return 1"))
                    + SendRateGuard.checkAndCountAfter(2, 4));
    /**
     * Moves the step forward only from the expected step of the expected send, so that a timer and a failed receipt
     * advance once, and a timer or receipt of a send that a resend replaced advances nothing.
     */
    private static final RedisScript ADVANCE = RedisScript.load(DeliveryAttempts.class, "advance.lua");
    private static final RedisScript MARK_DELIVERED = RedisScript.load(DeliveryAttempts.class, "mark-delivered.lua");

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;

    public DeliveryAttempts(ReactiveRedisDataSource redis, ObjectMapper json) {
        this.redis = redis;
        this.json = json;
    }

    /** The state of a challenge's newest send on its plan; {@code step} is the plan's size once it is finished. */
    public record Attempt(DeliveryJob job, int step, boolean delivered) {
    }

    /** Where a provider message came from: which send of which challenge, on which step of its plan. */
    public record MessageRef(String tenantId, String challengeId, int sendAttempt, int step) {
    }

    /** A due fallback timer. */
    public record Timer(String member, String tenantId, String challengeId, int sendAttempt, int step) {
    }

    /** What {@link #claimAndStart} found. */
    public enum Claim {
        /** The job was taken before: it is not sent again. */
        ALREADY_TAKEN,
        /** The job is now taken, but a later send of the challenge replaced its code: it is not sent. */
        REPLACED,
        /** The job is taken and this send is the challenge's current one: send it. */
        STARTED
    }

    /**
     * Takes the job in the job ledger and starts its send, in one Redis call.
     */
    public Uni<Claim> claimAndStart(DeliveryJob job, Duration dedupeTtl, Duration ttl) {
        String value;
        try {
            value = json.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return CLAIM_AND_START.run(redis, "2",
                        DeliveryJobLedger.key(job.tenantId(), job.challengeId(), job.sendAttempt()),
                        attemptKey(job.tenantId(), job.challengeId()), value, String.valueOf(job.sendAttempt()),
                        seconds(ttl), String.valueOf(dedupeTtl.toSeconds()))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(response -> switch (response == null ? 0 : response.toInteger()) {
                    case 1 -> Claim.STARTED;
                    case 2 -> Claim.REPLACED;
                    default -> Claim.ALREADY_TAKEN;
                });
    }

    /** What {@link #claimStartAndAdmit} found: the claim and, for a started send, the rate verdict. */
    public record Admission(Claim claim, Optional<String> blocked) {
    }

    /**
     * {@link #claimAndStart}, and for a started send the send-rate check and count of its first channel
     * ({@link SendRateGuard#admit}), in one Redis call.
     */
    public Uni<Admission> claimStartAndAdmit(DeliveryJob job, Duration dedupeTtl, Duration ttl,
                                             SendRateGuard.Check check) {
        String value;
        try {
            value = json.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        List<String> args = new ArrayList<>(10 + check.keys().length + check.args().length);
        args.add(String.valueOf(2 + check.keys().length));
        args.add(DeliveryJobLedger.key(job.tenantId(), job.challengeId(), job.sendAttempt()));
        args.add(attemptKey(job.tenantId(), job.challengeId()));
        args.addAll(List.of(check.keys()));
        args.add(value);
        args.add(String.valueOf(job.sendAttempt()));
        args.add(seconds(ttl));
        args.add(String.valueOf(dedupeTtl.toSeconds()));
        args.addAll(List.of(check.args()));
        return CLAIM_START_AND_ADMIT.run(redis, args.toArray(String[]::new))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(response -> {
                    String answer = response == null ? "0" : response.toString();
                    return switch (answer) {
                        case "0" -> new Admission(Claim.ALREADY_TAKEN, Optional.empty());
                        case "2" -> new Admission(Claim.REPLACED, Optional.empty());
                        default -> new Admission(Claim.STARTED, SendRateGuard.verdict(answer));
                    };
                });
    }

    public Uni<Optional<Attempt>> load(String tenantId, String challengeId) {
        return redis.execute("HMGET", attemptKey(tenantId, challengeId), "job", "step", "delivered")
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(response -> {
                    if (response == null || response.size() < 3 || response.get(0) == null) {
                        return Optional.<Attempt>empty();
                    }
                    try {
                        DeliveryJob job = json.readValue(response.get(0).toString(), DeliveryJob.class);
                        return Optional.of(new Attempt(job, Integer.parseInt(response.get(1).toString()),
                                response.get(2) != null && "1".equals(response.get(2).toString())));
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException("unreadable delivery state for " + challengeId);
                    }
                });
    }

    /** True when this call moved the send {@code sendAttempt} of the challenge from {@code from} to {@code to}. */
    public Uni<Boolean> advance(String tenantId, String challengeId, int sendAttempt, int from, int to) {
        return ADVANCE.run(redis, "1", attemptKey(tenantId, challengeId), String.valueOf(from),
                        String.valueOf(to), String.valueOf(sendAttempt))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(DeliveryAttempts::isOne);
    }

    /** True the first time the challenge's current send {@code sendAttempt} is marked delivered. */
    public Uni<Boolean> markDelivered(String tenantId, String challengeId, int sendAttempt) {
        return MARK_DELIVERED.run(redis, "1", attemptKey(tenantId, challengeId),
                        String.valueOf(sendAttempt))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(DeliveryAttempts::isOne);
    }

    public Uni<Void> rememberMessage(String provider, String messageId, String tenantId, String challengeId,
                                     int sendAttempt, int step, Duration ttl) {
        return redis.execute("SET", messageKey(provider, messageId), reference(tenantId, challengeId, sendAttempt, step),
                        "EX", seconds(ttl))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .replaceWithVoid();
    }

    public Uni<Optional<MessageRef>> findMessage(String provider, String messageId) {
        return redis.execute("GET", messageKey(provider, messageId))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(response -> {
                    if (response == null) {
                        return Optional.<MessageRef>empty();
                    }
                    Reference ref = Reference.parse(response.toString());
                    if (ref == null) {
                        return Optional.<MessageRef>empty();
                    }
                    return Optional.of(new MessageRef(ref.tenantId(), ref.challengeId(), ref.sendAttempt(),
                            ref.step()));
                });
    }

    public Uni<Void> schedule(String tenantId, String challengeId, int sendAttempt, int step, long dueEpochMillis) {
        return redis.execute("ZADD", TIMERS, String.valueOf(dueEpochMillis),
                        timerMember(tenantId, challengeId, sendAttempt, step))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .replaceWithVoid();
    }

    public Uni<Void> cancel(String tenantId, String challengeId, int sendAttempt, int step) {
        return redis.execute("ZREM", TIMERS, timerMember(tenantId, challengeId, sendAttempt, step))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .replaceWithVoid();
    }

    /** Timers due at {@code nowEpochMillis}, oldest first. */
    public Uni<List<Timer>> due(long nowEpochMillis, int limit) {
        return redis.execute("ZRANGEBYSCORE", TIMERS, "-inf", String.valueOf(nowEpochMillis), "LIMIT", "0",
                        String.valueOf(limit))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(response -> {
                    List<Timer> timers = new ArrayList<>();
                    if (response != null) {
                        for (Response member : response) {
                            Reference ref = Reference.parse(member.toString());
                            if (ref != null) {
                                timers.add(new Timer(member.toString(), ref.tenantId(), ref.challengeId(),
                                        ref.sendAttempt(), ref.step()));
                            }
                        }
                    }
                    return timers;
                });
    }

    /** Takes a due timer; only one instance gets true for each timer, so that a fallback fires once. */
    public Uni<Boolean> take(Timer timer) {
        return redis.execute("ZREM", TIMERS, timer.member())
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(DeliveryAttempts::isOne);
    }

    /** {@code <challengeId>|<step>|<sendAttempt>|<tenantId>}. */
    public static String timerMember(String tenantId, String challengeId, int sendAttempt, int step) {
        return reference(tenantId, challengeId, sendAttempt, step);
    }

    private static String reference(String tenantId, String challengeId, int sendAttempt, int step) {
        return challengeId + "|" + step + "|" + sendAttempt + "|" + tenantId;
    }

    /**
     * A timer member or message reference. Those written before jobs carried a send attempt
     * ({@code <challengeId>|<step>|<tenant>}) read as the first send, so that timers and receipts in flight during an
     * upgrade still work.
     */
    record Reference(String tenantId, String challengeId, int sendAttempt, int step) {

        static Reference parse(String value) {
            String[] parts = value.split("\\|", 4);
            try {
                if (parts.length == 4 && parts[2].matches("\\d{1,9}")) {
                    return new Reference(parts[3], parts[0], Integer.parseInt(parts[2]), Integer.parseInt(parts[1]));
                }
                if (parts.length >= 3) {
                    return new Reference(value.substring(parts[0].length() + parts[1].length() + 2), parts[0], 1,
                            Integer.parseInt(parts[1]));
                }
            } catch (NumberFormatException e) {
                return null;
            }
            return null;
        }
    }

    static String attemptKey(String tenantId, String challengeId) {
        return "delivery:attempt:{" + tenantId + "}:" + challengeId;
    }

    static String messageKey(String provider, String messageId) {
        return "delivery:message:" + provider + ":" + messageId;
    }

    private static boolean isOne(Response response) {
        return response != null && response.toInteger() == 1;
    }

    private static String seconds(Duration ttl) {
        return String.valueOf(Math.max(60, ttl.toSeconds()));
    }
}
