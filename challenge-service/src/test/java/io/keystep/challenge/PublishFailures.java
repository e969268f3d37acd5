package io.keystep.challenge;

import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.FactorChanged;
import io.keystep.events.LoginDecided;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.EventSender;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The real publisher (real Kafka), except that a test can make the next decision or delivery job of one login, or
 * every factor change of one user, fail as an unacknowledged send would, to prove that nothing is lost.
 */
@Alternative
@Priority(1)
@jakarta.inject.Singleton
public class PublishFailures extends EventPublisher {

    private static final Set<String> DECISIONS = ConcurrentHashMap.newKeySet();
    private static final Set<String> JOBS = ConcurrentHashMap.newKeySet();
    private static final Set<String> FACTOR_KEYS = ConcurrentHashMap.newKeySet();

    public PublishFailures(
            @Channel("login-decisions") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
            MutinyEmitter<String> decisions,
            @Channel("challenges-issued") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
            MutinyEmitter<String> issued,
            @Channel("verifications-completed") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
            MutinyEmitter<String> verifications,
            @Channel("verifications-limited") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
            MutinyEmitter<String> limits,
            @Channel("factors-changed") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
            MutinyEmitter<String> factors,
            EventSender sender) {
        super(decisions, issued, verifications, limits, factors, sender);
    }

    /** The next decision published for this login fails. */
    public static void failNextDecision(String loginId) {
        DECISIONS.add(loginId);
    }

    /** The next delivery job published for this login fails. */
    public static void failNextJob(String loginId) {
        JOBS.add(loginId);
    }

    /**
     * Every {@code factor.changed.v1} record of this user fails, sent at once or relayed from the outbox, until
     * {@link #healFactorChanges}.
     */
    public static void breakFactorChanges(String tenantId, String userId) {
        FACTOR_KEYS.add(Topics.key(tenantId, userId));
    }

    public static void healFactorChanges(String tenantId, String userId) {
        FACTOR_KEYS.remove(Topics.key(tenantId, userId));
    }

    @Override
    public Uni<Void> factorChanged(String tenantId, Instant at, FactorChanged change) {
        if (FACTOR_KEYS.contains(Topics.key(tenantId, change.userId()))) {
            return Uni.createFrom().failure(new IllegalStateException("factor change not acknowledged"));
        }
        return super.factorChanged(tenantId, at, change);
    }

    @Override
    public Uni<Void> factorChanged(String tenantId, Instant at, FactorChanged change,
                                   Function<UUID, Map<String, String>> headers) {
        if (FACTOR_KEYS.contains(Topics.key(tenantId, change.userId()))) {
            return Uni.createFrom().failure(new IllegalStateException("factor change not acknowledged"));
        }
        return super.factorChanged(tenantId, at, change, headers);
    }

    @Override
    public Uni<Void> relay(String topic, String key, String json, Map<String, String> headers) {
        if (FACTOR_KEYS.contains(key)) {
            return Uni.createFrom().failure(new IllegalStateException("outbox record not acknowledged"));
        }
        return super.relay(topic, key, json, headers);
    }

    @Override
    public Uni<Void> loginDecided(String tenantId, Instant at, LoginDecided decision) {
        if (DECISIONS.remove(decision.loginId())) {
            return Uni.createFrom().failure(new IllegalStateException("decision not acknowledged"));
        }
        return super.loginDecided(tenantId, at, decision);
    }

    @Override
    public Uni<Void> challengeIssued(String tenantId, Instant at, ChallengeIssued job) {
        if (job.loginId() != null && JOBS.remove(job.loginId())) {
            return Uni.createFrom().failure(new IllegalStateException("delivery job not acknowledged"));
        }
        return super.challengeIssued(tenantId, at, job);
    }
}
