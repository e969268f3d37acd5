package io.keystep.challenge.messaging;

import io.keystep.events.ChallengeIssued;
import io.keystep.events.Envelope;
import io.keystep.events.FactorChanged;
import io.keystep.events.LoginDecided;
import io.keystep.events.Topics;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.VerificationLimited;
import io.keystep.kit.messaging.EventSender;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Publishes challenge-service's events, keyed by tenant and user, through the kit's {@link EventSender}: each
 * returned {@link Uni} completes when Kafka acknowledged the record, so that a caller answers only once its event
 * is durable.
 */
@ApplicationScoped
public class EventPublisher {

    private final MutinyEmitter<String> decisions;
    private final MutinyEmitter<String> issued;
    private final MutinyEmitter<String> verifications;
    private final MutinyEmitter<String> limits;
    private final MutinyEmitter<String> factors;
    private final EventSender sender;

    public EventPublisher(
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
        this.limits = limits;
        this.factors = factors;
        this.decisions = decisions;
        this.issued = issued;
        this.verifications = verifications;
        this.sender = sender;
    }

    public Uni<Void> loginDecided(String tenantId, Instant at, LoginDecided decision) {
        return send(decisions, Envelope.of(LoginDecided.TYPE, at, tenantId, decision.loginId(), decision),
                decision.userId());
    }

    public Uni<Void> challengeIssued(String tenantId, Instant at, ChallengeIssued job) {
        String correlation = job.loginId() != null ? job.loginId() : job.challengeId();
        return send(issued, Envelope.of(ChallengeIssued.TYPE, at, tenantId, correlation, job), job.userId());
    }

    public Uni<Void> verificationCompleted(String tenantId, Instant at, VerificationCompleted result) {
        String correlation = result.loginId() != null ? result.loginId() : result.challengeId();
        return send(verifications, Envelope.of(VerificationCompleted.TYPE, at, tenantId, correlation, result),
                result.userId());
    }

    /** A refused send or check, or a lockout: correlated with the verification, else with the user. */
    public Uni<Void> verificationLimited(String tenantId, Instant at, VerificationLimited limited) {
        String correlation = limited.verificationId() != null ? limited.verificationId() : limited.userId();
        return send(limits, Envelope.of(VerificationLimited.TYPE, at, tenantId, correlation, limited),
                limited.userId());
    }

    /** A change to a user's factors, recovery codes or trusted devices (never a secret). */
    public Uni<Void> factorChanged(String tenantId, Instant at, FactorChanged change) {
        return send(factors, factorEnvelope(tenantId, at, change), change.userId());
    }

    /** The envelope of a factor change: correlated with the factor, else with the user. */
    public static Envelope<FactorChanged> factorEnvelope(String tenantId, Instant at, FactorChanged change) {
        String correlation = change.factorId() != null ? change.factorId() : change.userId();
        return Envelope.of(FactorChanged.TYPE, at, tenantId, correlation, change);
    }

    /**
     * Sends a record kept in the outbox, exactly as it was written; completes when Kafka acknowledged it.
     *
     * @throws IllegalArgumentException (as a failure) for a topic this service does not relay
     */
    public Uni<Void> relay(String topic, String key, String json, Map<String, String> headers) {
        if (!Topics.FACTOR_CHANGED.equals(topic)) {
            return Uni.createFrom().failure(new IllegalArgumentException("no outbox relay for topic " + topic));
        }
        return sender.sendWritten(factors, key, json, headers);
    }

    /**
     * A change to a user's factors that the user must also be told about out of band: the same
     * {@code factor.changed.v1} record, with Kafka headers made from its event id (the notice's routing, which
     * {@code headers} may seal to that id). Never a secret, code or token.
     */
    public Uni<Void> factorChanged(String tenantId, Instant at, FactorChanged change,
                                   Function<UUID, Map<String, String>> headers) {
        Envelope<FactorChanged> envelope = factorEnvelope(tenantId, at, change);
        return sender.send(factors, envelope, change.userId(), headers.apply(envelope.eventId()));
    }

    private Uni<Void> send(MutinyEmitter<String> emitter, Envelope<?> envelope, String userId) {
        return sender.send(emitter, envelope, userId);
    }
}
