package io.keystep.risk.messaging;

import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.KeyOrderedDispatcher;
import io.keystep.kit.messaging.MalformedEventException;
import io.keystep.kit.messaging.RefusedEventException;
import io.keystep.kit.messaging.TenantProof;
import io.keystep.kit.web.Roles;
import io.keystep.risk.config.RiskConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code auth.login.v1} → a decision → {@code risk.assessed.v1}. Logins of different users are decided
 * concurrently (up to {@code keystep.risk.consumer.max-in-flight}); one user's logins (same {@code tenant:user})
 * are decided one after the other in record order, each only after the previous one's decision was acknowledged
 * by Kafka. A record is acknowledged once its decision is published, and Kafka offsets are committed only up to
 * the first record not yet acknowledged, so a restart redelivers what was not finished; a redelivered login is
 * answered with the decision remembered for it, never decided twice. A malformed login is nacked into the DLQ, and
 * so is a login whose gateway token (header {@code authorization}) does not prove the tenant it names: it is not
 * decided, and its refusal is published ({@link TenantProof}).
 */
@ApplicationScoped
public class LoginConsumer {

    private static final Logger LOG = Logger.getLogger(LoginConsumer.class);
    private static final Duration DRAIN = Duration.ofSeconds(20);

    private final EnvelopeReader reader;
    private final LoginAssessor assessor;
    private final AssessmentPublisher publisher;
    private final ConsumerMetrics metrics;
    private final KeyOrderedDispatcher dispatcher;
    private final TenantProof proof;
    private volatile boolean stopping;

    public LoginConsumer(EnvelopeReader reader, LoginAssessor assessor, AssessmentPublisher publisher,
                         ConsumerMetrics metrics, RiskConfig config, MeterRegistry registry, TenantProof proof) {
        this.metrics = metrics;
        this.proof = proof;
        this.reader = reader;
        this.assessor = assessor;
        this.publisher = publisher;
        this.dispatcher = KeyOrderedDispatcher.of(config.consumer().maxInFlight());
        Gauge.builder("keystep.risk.logins.in.flight", dispatcher, KeyOrderedDispatcher::inFlight)
                .description("auth.login.v1 records being decided").register(registry);
    }

    @Incoming("logins")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> onLogin(Message<String> record) {
        if (stopping) {
            // Shutting down: take nothing more; what is not acknowledged is redelivered after the restart.
            return Uni.createFrom().nothing();
        }
        Envelope<LoginAttempted> login;
        try {
            login = reader.read(record.getPayload(), LoginAttempted.TYPE, LoginAttempted.class);
        } catch (MalformedEventException e) {
            LOG.warnf("Malformed login sent to the dead-letter topic: %s", e.getMessage());
            metrics.deadLettered();
            return Uni.createFrom().completionStage(record.nack(e));
        }
        String key = Topics.key(login.tenantId(), login.payload().userId());
        TenantProof.Verdict verdict = proof.check(name -> header(record, name), login.tenantId(), Roles.GATEWAY);
        if (!verdict.accepted()) {
            return dispatcher.submit(key, () -> refuse(record, login, verdict));
        }
        return dispatcher.submit(key, () -> assessor.assess(login)
                .chain(outgoing -> publisher.publish(outgoing).invoke(() -> metrics.published(outgoing.replayed())))
                .chain(() -> Uni.createFrom().completionStage(record.ack()))
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("Login %s could not be decided, sent to the dead-letter topic: %s",
                            login.payload().loginId(), e.toString());
                    metrics.deadLettered();
                    return Uni.createFrom().completionStage(record.nack(e));
                })
                .replaceWithVoid());
    }

    /** Not decided: the refusal is published, then the record goes to the dead-letter topic saying why. */
    private Uni<Void> refuse(Message<String> record, Envelope<LoginAttempted> login, TenantProof.Verdict verdict) {
        LOG.warnf("Login %s naming tenant %s refused, sent to the dead-letter topic: %s", login.payload().loginId(),
                login.tenantId(), verdict.detail());
        metrics.deadLettered();
        List<RecordHeader> headers = TenantProof.deadLetterHeaders(verdict).entrySet().stream()
                .map(h -> new RecordHeader(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8)))
                .toList();
        // the dead-letter copy keeps the record's headers: not the bearer token, which no reader of the copy needs
        record.getMetadata(IncomingKafkaRecordMetadata.class)
                .ifPresent(metadata -> metadata.getHeaders().remove(TenantProof.AUTHORIZATION));
        return proof.publishRefusal(verdict, Topics.LOGIN)
                .chain(() -> Uni.createFrom().completionStage(record.nack(new RefusedEventException(verdict.detail()),
                        Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build()))));
    }

    private static String header(Message<String> record, String name) {
        Header header = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(metadata -> metadata.getHeaders().lastHeader(name)).orElse(null);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Lets the logins being decided finish, so that their offsets are committed when the consumer closes. */
    void onStop(@Observes @Priority(1) ShutdownEvent event) {
        stopping = true;
        try {
            dispatcher.drain().get(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("%d logins still being decided at shutdown; they are redelivered after the restart",
                    dispatcher.inFlight());
        }
    }
}
