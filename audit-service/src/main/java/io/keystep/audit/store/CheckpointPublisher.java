package io.keystep.audit.store;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.CheckpointSigner;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Periodically signs every tenant's chain head that moved since its last checkpoint, stores the checkpoint and
 * logs it (one INFO line per checkpoint, for log shipping to a store outside this database); the checkpoints are
 * also served by {@code GET /v1/audit/checkpoints}. Without a configured key nothing is signed.
 */
@ApplicationScoped
public class CheckpointPublisher {

    private static final Logger LOG = Logger.getLogger(CheckpointPublisher.class);

    private final AuditEventStore store;
    private final DatabaseContext database;
    private final AuditConfig config;
    private final Clock clock;
    private final Optional<CheckpointSigner> signer;

    public CheckpointPublisher(AuditEventStore store, DatabaseContext database, AuditConfig config, Clock clock) {
        this.store = store;
        this.database = database;
        this.config = config;
        this.clock = clock;
        this.signer = config.checkpoint().privateKey().map(CheckpointSigner::new);
        if (signer.isEmpty()) {
            LOG.warn("keystep.audit.checkpoint.private-key is not set: no chain checkpoint will be signed");
        }
    }

    @Scheduled(every = "${keystep.audit.checkpoint.every}", delayed = "${keystep.audit.checkpoint.every}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return publish().onFailure().invoke(e -> LOG.warn("checkpoint run failed; it runs again later", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Signs and stores a checkpoint of every head that moved; returns the new checkpoints. */
    public Uni<List<ChainCheckpoint>> publish() {
        if (signer.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
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
                                    checkpoint.signature = signer.get().sign(checkpoint.tenantId, checkpoint.chainSeq,
                                            checkpoint.headHash, checkpoint.signedAt);
                                    return checkpoint.<ChainCheckpoint>persist().invoke(saved -> LOG.infof(
                                            "audit checkpoint tenant=%s seq=%d head=%s signedAt=%s key=%s signature=%s",
                                            saved.tenantId, saved.chainSeq, saved.headHash, saved.signedAt,
                                            saved.keyId, saved.signature));
                                })))
                .filter(java.util.Objects::nonNull)
                .collect().asList()));
    }

    public Instant now() {
        return clock.instant();
    }
}
