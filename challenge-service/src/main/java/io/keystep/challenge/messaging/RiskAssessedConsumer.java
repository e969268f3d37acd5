package io.keystep.challenge.messaging;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.domain.Tenants;
import io.keystep.events.Envelope;
import io.keystep.events.RiskAssessed;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.KeyOrderedDispatcher;
import io.keystep.kit.messaging.MalformedEventException;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Turns risk-service's verdicts into login decisions. A record that does not parse fails, and so goes to
 * {@code risk.assessed.v1.dlq} while the consumer carries on.
 * <p>
 * Logins are decided concurrently (up to {@code keystep.challenge.login-concurrency} at once), each waiting on
 * Redis, PostgreSQL and Kafka's acknowledgements, but the verdicts of one record key ({@code tenant:user}) are
 * decided one after another in their order on the topic: a user's second login replaces the challenge of the
 * first, never the other way round. A record is acknowledged only once its login is decided and published (or
 * its failure went to the dead-letter topic); the connector's throttled commit commits an offset only when every
 * record before it is acknowledged, so a restart redelivers whatever was under way, and a redelivered verdict
 * publishes the recorded decision again (see {@link LoginChallenger}).
 */
@ApplicationScoped
public class RiskAssessedConsumer {

    private static final Logger LOG = Logger.getLogger(RiskAssessedConsumer.class);
    /** A login not decided within this time fails to the dead-letter topic instead of holding its user's queue. */
    private static final Duration DECISION_TIMEOUT = Duration.ofSeconds(30);

    private final EnvelopeReader reader;
    private final LoginChallenger challenger;
    private final KeyOrderedDispatcher dispatcher;

    public RiskAssessedConsumer(EnvelopeReader reader, LoginChallenger challenger, ChallengeConfig config) {
        this.reader = reader;
        this.challenger = challenger;
        // each login on a context of its own: its reactive Hibernate session must not meet another login's
        this.dispatcher = KeyOrderedDispatcher.onFreshContexts(config.loginConcurrency());
    }

    /** Accepts the record for deciding; answers once it is accepted, not when it is decided. */
    @Incoming("risk-assessed")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> consume(Message<String> record) {
        return dispatcher.submit(orderKey(record), () -> Uni.createFrom()
                .deferred(() -> decide(record.getPayload()))
                .ifNoItem().after(DECISION_TIMEOUT).fail()
                .onItemOrFailure().transformToUni((ignored, failure) -> {
                    if (failure == null) {
                        return Uni.createFrom().completionStage(record.ack());
                    }
                    return Uni.createFrom().completionStage(record.nack(failure));
                })
                .onFailure().invoke(e -> LOG.errorf(e, "could not acknowledge a risk.assessed record")));
    }

    /** The record's key; a record without one is ordered with the other records of its tenant and user. */
    private String orderKey(Message<String> record) {
        Object key = record.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getKey)
                .orElse(null);
        if (key != null) {
            return key.toString();
        }
        try {
            Envelope<RiskAssessed> envelope = parse(record.getPayload());
            return Topics.key(envelope.tenantId(), envelope.payload().userId());
        } catch (MalformedEventException e) {
            return ""; // unreadable: it fails to the dead-letter topic; its place in line does not matter
        }
    }

    private Uni<Void> decide(String value) {
        Envelope<RiskAssessed> envelope;
        try {
            envelope = parse(value);
        } catch (MalformedEventException e) {
            return Uni.createFrom().failure(e);
        }
        return challenger.decide(envelope.tenantId(), envelope.payload());
    }

    private Envelope<RiskAssessed> parse(String value) {
        Envelope<RiskAssessed> envelope = reader.read(value, RiskAssessed.TYPE, RiskAssessed.class);
        if (!Tenants.isValid(envelope.tenantId())) {
            throw new MalformedEventException("field tenantId is not a valid tenant id");
        }
        return envelope;
    }
}
