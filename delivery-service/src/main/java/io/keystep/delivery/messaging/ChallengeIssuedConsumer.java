package io.keystep.delivery.messaging;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Envelope;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.KeyOrderedDispatcher;
import io.keystep.kit.messaging.MalformedEventException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads delivery jobs from {@code challenge.issued.v1} and works on up to {@code consumer.concurrency} of them at
 * once, one at a time per record key ({@code tenantId:userId}), so that one person's jobs (a send and its resends)
 * keep their order while a slow provider for one person does not hold up everyone else's codes.
 * <p>
 * Each record is acknowledged when its job is done, or rejected when it fails, which sends it to
 * {@code challenge.issued.v1.dlq}. Offsets are committed only up to the oldest record not yet done (the connector's
 * throttled strategy), so a crash loses no record: what was not done is read again, and the job ledger keeps a job
 * that was already sent from going out twice.
 */
@ApplicationScoped
public class ChallengeIssuedConsumer {

    static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);
    /** Within quarkus.shutdown.timeout (30 s). */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(25);
    private static final Logger LOG = Logger.getLogger(ChallengeIssuedConsumer.class);

    private final EnvelopeReader reader;
    private final CodeDelivery delivery;
    private final KeyOrderedDispatcher runner;

    public ChallengeIssuedConsumer(EnvelopeReader reader, CodeDelivery delivery, DeliveryConfig config,
                                   MeterRegistry meters) {
        this.reader = reader;
        this.delivery = delivery;
        this.runner = KeyOrderedDispatcher.of(Math.max(1, config.consumer().concurrency()));
        Gauge.builder("keystep.delivery.jobs.in.flight", runner, KeyOrderedDispatcher::inFlight)
                .description("delivery jobs this instance is working on").register(meters);
    }

    /**
     * On shutdown, before the Kafka connector closes: no new job starts, and the jobs in flight get up to
     * {@link #DRAIN_TIMEOUT} to finish, so that their records are acknowledged and committed rather than read again.
     */
    void drain(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        try {
            runner.drain().get(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("delivery jobs in flight finished before shutdown");
        } catch (TimeoutException e) {
            LOG.warnf("%d delivery jobs still in flight at shutdown", runner.inFlight());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warnf("draining delivery jobs failed: %s", e.getCause().getClass().getSimpleName());
        }
    }

    /** Answers once the record's job is admitted; the record is acknowledged (or dead-lettered) when it is done. */
    @Incoming("challenge-issued")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> consume(Message<String> record) {
        String key = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getKey() == null ? "" : m.getKey().toString()).orElse("");
        return runner.submit(key, () -> process(record.getPayload())
                .onItemOrFailure().transformToUni((done, failure) -> Uni.createFrom().completionStage(
                        failure == null ? record.ack() : record.nack(failure))));
    }

    Uni<Void> process(String value) {
        Envelope<ChallengeIssued> job;
        try {
            // the reader's message never quotes the input, which holds a sealed code
            job = reader.read(value, ChallengeIssued.TYPE, ChallengeIssued.class);
        } catch (MalformedEventException e) {
            return Uni.createFrom().failure(e);
        }
        // A job that cannot finish in time fails (and goes to the dead-letter topic) instead of holding its key.
        return Uni.createFrom().deferred(() -> delivery.deliver(job)).ifNoItem().after(JOB_TIMEOUT).fail();
    }
}
