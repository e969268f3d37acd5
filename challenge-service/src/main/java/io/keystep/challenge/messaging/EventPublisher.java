package io.keystep.challenge.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Envelope;
import io.keystep.events.FactorChanged;
import io.keystep.events.LoginDecided;
import io.keystep.events.Topics;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.VerificationLimited;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Duration;
import java.time.Instant;

/**
 * Publishes challenge-service's events, keyed by tenant and user. Each returned {@link Uni} completes when
 * Kafka acknowledged the record, so that a caller answers only once its event is durable.
 */
@ApplicationScoped
public class EventPublisher {

    /** A send that Kafka does not acknowledge within this time fails instead of hanging a request. */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

    private final MutinyEmitter<String> decisions;
    private final MutinyEmitter<String> issued;
    private final MutinyEmitter<String> verifications;
    private final MutinyEmitter<String> limits;
    private final MutinyEmitter<String> factors;
    private final ObjectMapper mapper;

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
            ObjectMapper mapper) {
        this.limits = limits;
        this.factors = factors;
        this.decisions = decisions;
        this.issued = issued;
        this.verifications = verifications;
        this.mapper = mapper;
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
        String correlation = change.factorId() != null ? change.factorId() : change.userId();
        return send(factors, Envelope.of(FactorChanged.TYPE, at, tenantId, correlation, change), change.userId());
    }

    /**
     * A change to a user's factors that the user must also be told about out of band: the same
     * {@code factor.changed.v1} record, with Kafka headers made from its event id (the notice's routing, which
     * {@code headers} may seal to that id). Never a secret, code or token.
     */
    public Uni<Void> factorChanged(String tenantId, Instant at, FactorChanged change,
                                   java.util.function.Function<java.util.UUID, java.util.Map<String, String>> headers) {
        String correlation = change.factorId() != null ? change.factorId() : change.userId();
        Envelope<FactorChanged> envelope = Envelope.of(FactorChanged.TYPE, at, tenantId, correlation, change);
        java.util.List<org.apache.kafka.common.header.internals.RecordHeader> recordHeaders = new java.util.ArrayList<>();
        headers.apply(envelope.eventId()).forEach((name, value) -> recordHeaders.add(
                new org.apache.kafka.common.header.internals.RecordHeader(name,
                        value.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        return send(factors, envelope, change.userId(), recordHeaders);
    }

    private Uni<Void> send(MutinyEmitter<String> emitter, Envelope<?> envelope, String userId) {
        return send(emitter, envelope, userId, java.util.List.of());
    }

    private Uni<Void> send(MutinyEmitter<String> emitter, Envelope<?> envelope, String userId,
                           java.util.List<org.apache.kafka.common.header.internals.RecordHeader> headers) {
        return send(mapper, emitter, envelope, userId, headers);
    }

    /**
     * Sends one event keyed {@code tenant:subject} and completes when Kafka acknowledged it (failing after
     * {@link #ACK_TIMEOUT}): every publisher of this service sends the same way.
     */
    static Uni<Void> send(ObjectMapper mapper, MutinyEmitter<String> emitter, Envelope<?> envelope, String subject,
                          java.util.List<org.apache.kafka.common.header.internals.RecordHeader> headers) {
        String json;
        try {
            json = mapper.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("event not serialisable", e));
        }
        Message<String> message = Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(Topics.key(envelope.tenantId(), subject))
                .withHeaders(headers)
                .build());
        return emitter.sendMessage(message).ifNoItem().after(ACK_TIMEOUT).fail();
    }
}
