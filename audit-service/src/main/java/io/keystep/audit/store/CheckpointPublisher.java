package io.keystep.audit.store;

import io.keystep.audit.config.AuditConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.CheckpointSigner;
import io.keystep.events.AuditCheckpoint;
import io.keystep.events.Envelope;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Periodically signs every tenant's chain head that moved since its last checkpoint, stores the checkpoint,
 * publishes it on {@code audit.checkpoint.v1} (keyed by tenant, so that a copy kept outside this database can
 * prove the trail was not rewritten) and logs it; the checkpoints are also served by
 * {@code GET /v1/audit/checkpoints}. A checkpoint is stored only once Kafka acknowledged it, so a failed
 * publication is retried by the next run. The signing key is required (the service does not start without it).
 */
@ApplicationScoped
public class CheckpointPublisher {

    private static final Logger LOG = Logger.getLogger(CheckpointPublisher.class);
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

    private final AuditEventStore store;
    private final DatabaseContext database;
    private final AuditConfig config;
    private final Clock clock;
    private final CheckpointSigner signer;
    private final MutinyEmitter<String> checkpoints;
    private final ObjectMapper mapper;

    public CheckpointPublisher(AuditEventStore store, DatabaseContext database, AuditConfig config, Clock clock,
                               @Channel("audit-checkpoints") MutinyEmitter<String> checkpoints, ObjectMapper mapper) {
        this.checkpoints = checkpoints;
        this.mapper = mapper;
        this.store = store;
        this.database = database;
        this.config = config;
        this.clock = clock;
        this.signer = new CheckpointSigner(config.checkpoint().privateKey());
    }

    @Scheduled(every = "${keystep.audit.checkpoint.every}", delayed = "${keystep.audit.checkpoint.every}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return publish().onFailure().invoke(e -> LOG.warn("checkpoint run failed; it runs again later", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Signs and stores a checkpoint of every head that moved; returns the new checkpoints. */
    public Uni<List<ChainCheckpoint>> publish() {
        return DatabaseContext.on(database.current(), () -> store.heads().chain(heads -> Multi.createFrom().iterable(heads)
                .onItem().transformToUniAndConcatenate(head -> Panache.withTransaction(() ->
                        ChainCheckpoint.<ChainCheckpoint>find("tenantId = ?1 order by id desc", head.tenantId())
                                .firstResult().chain(last -> {
                                    if (last != null && last.chainSeq == head.lastSeq()) {
                                        return Uni.createFrom().nullItem();
                                    }
                                    ChainCheckpoint checkpoint = new ChainCheckpoint();
                                    checkpoint.tenantId = head.tenantId();
                                    checkpoint.chainSeq = head.lastSeq();
                                    checkpoint.headHash = head.lastHash();
                                    checkpoint.signedAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
                                    checkpoint.keyId = config.checkpoint().keyId();
                                    checkpoint.algorithm = CheckpointSigner.ALGORITHM;
                                    checkpoint.signature = signer.sign(checkpoint.tenantId, checkpoint.chainSeq,
                                            checkpoint.headHash, checkpoint.signedAt);
                                    return announce(checkpoint).chain(() -> checkpoint.<ChainCheckpoint>persist())
                                            .invoke(saved -> LOG.infof(
                                            "audit checkpoint tenant=%s seq=%d head=%s signedAt=%s key=%s signature=%s",
                                            saved.tenantId, saved.chainSeq, saved.headHash, saved.signedAt,
                                            saved.keyId, saved.signature));
                                })))
                .filter(java.util.Objects::nonNull)
                .collect().asList()));
    }

    /** Publishes the checkpoint on {@code audit.checkpoint.v1} and completes when Kafka acknowledged it. */
    private Uni<Void> announce(ChainCheckpoint checkpoint) {
        AuditCheckpoint payload = new AuditCheckpoint(checkpoint.chainSeq, checkpoint.headHash, checkpoint.signedAt,
                checkpoint.keyId, checkpoint.algorithm, checkpoint.signature);
        String json;
        try {
            json = mapper.writeValueAsString(Envelope.of(AuditCheckpoint.TYPE, checkpoint.signedAt, checkpoint.tenantId,
                    "checkpoint:" + checkpoint.tenantId + ":" + checkpoint.chainSeq, payload));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("checkpoint not serialisable", e));
        }
        Message<String> message = Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(checkpoint.tenantId).build());
        // The acknowledgement arrives on a Kafka thread; the transaction must go on on its own Vert.x context.
        Context context = Vertx.currentContext();
        Uni<Void> sent = checkpoints.sendMessage(message).ifNoItem().after(ACK_TIMEOUT).fail();
        return context == null ? sent : sent.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }

    public Instant now() {
        return clock.instant();
    }
}
