package io.keystep.audit.messaging;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.EventTranslator;
import io.keystep.audit.domain.IncomingRecord;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.TrailAppender;
import io.keystep.audit.store.DatabaseContext;
import io.keystep.kit.messaging.TenantProof;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Consumes every platform topic and every dead-letter topic in batches and appends them to the trail. A batch is
 * acknowledged (its offsets committed) only after its rows are written; while PostgreSQL fails, the batch is
 * retried with backoff and consumption waits, so an outage loses nothing.
 *
 * <p>Batches are written one after the other, in the order they were consumed, but the next batch is translated
 * and prepared while the one before it is being written, so that this service's work and PostgreSQL's overlap:
 * at most one batch is being written and one waits behind it.
 */
@ApplicationScoped
public class AuditIngest {

    private static final Logger LOG = Logger.getLogger(AuditIngest.class);

    private final TrailAppender appender;
    private final EventTranslator translator;
    private final AuditConfig config;
    private final IngestMetrics metrics;
    private final DatabaseContext database;
    private final ExternalRecordProofs proofs;
    /** The write of the last batch consumed; the connector hands over one batch at a time. */
    private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);

    public AuditIngest(TrailAppender appender, com.fasterxml.jackson.databind.ObjectMapper mapper, AuditConfig config,
                       IngestMetrics metrics, DatabaseContext database, ExternalRecordProofs proofs) {
        this.appender = appender;
        this.proofs = proofs;
        this.translator = new EventTranslator(mapper);
        this.config = config;
        this.metrics = metrics;
        this.database = database;
    }

    /**
     * Prepares the batch, queues its write behind the previous batch's and returns once that previous write is
     * done: the connector then hands over the next batch while this one is written. The batch is acknowledged when
     * its own write is done.
     */
    @Incoming("audit-in")
    @SuppressWarnings("unchecked")
    public synchronized Uni<Void> consume(KafkaRecordBatch<String, String> batch) {
        long started = System.nanoTime();
        ConsumerRecords<String, String> records = batch.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElseThrow().getRecords();
        List<IncomingRecord> incoming = new ArrayList<>(records.count());
        records.forEach(record -> incoming.add(incoming(record)));
        List<Refused> refused = new ArrayList<>();
        List<AuditEntry> entries = translate(incoming, refused);
        TrailAppender.Batch prepared = appender.prepare(entries);
        Context context = database.current();
        CompletableFuture<Void> previous = lastWrite;
        lastWrite = previous
                .thenCompose(done -> write(entries, prepared, context, started).subscribeAsCompletionStage())
                .thenCompose(rows -> deadLetter(refused).subscribeAsCompletionStage())
                .thenCompose(done -> batch.ack())
                .exceptionally(e -> {
                    // not committed: the records come again after a restart or rebalance, and are skipped as stored
                    LOG.warnf("acknowledging %d audit records failed: %s", entries.size(), e.toString());
                    return null;
                });
        return Uni.createFrom().completionStage(previous);
    }

    /**
     * Translates and stores records, retrying until PostgreSQL has them. Also the entry point of any other consumer
     * of the same group (a second instance behaves exactly like this one).
     */
    public Uni<List<StoredEvent>> ingest(List<IncomingRecord> records) {
        List<Refused> refused = new ArrayList<>();
        List<AuditEntry> entries = translate(records, refused);
        return write(entries, appender.prepare(entries), database.current(), System.nanoTime())
                .call(() -> deadLetter(refused));
    }

    /** A record this service refused and must dead-letter and report once it is in the trail. */
    private record Refused(IncomingRecord record, TenantProof.Verdict verdict) {
    }

    /**
     * The entries of records; one that did not prove the tenant it names becomes a refused entry (never that
     * tenant's event), and is added to {@code refused} when this service is the one to dead-letter it.
     */
    private List<AuditEntry> translate(List<IncomingRecord> records, List<Refused> refused) {
        List<AuditEntry> entries = new ArrayList<>(records.size());
        for (IncomingRecord record : records) {
            AuditEntry entry = translator.translate(record);
            // a malformed record is stored as such, as its consumers dead-letter it as such
            TenantProof.Verdict verdict = AuditEntry.MALFORMED.equals(entry.type()) ? null
                    : proofs.judge(record, entry.tenantId());
            if (verdict == null || verdict.accepted()) {
                entries.add(entry);
                continue;
            }
            entries.add(translator.refused(record, verdict.reason().name(), verdict.detail()));
            if (ExternalRecordProofs.actsOn(record)) {
                refused.add(new Refused(record, verdict));
            }
        }
        return entries;
    }

    /** One after the other, in record order; each completes whatever Kafka answers. */
    private Uni<Void> deadLetter(List<Refused> refused) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Refused r : refused) {
            all = all.chain(() -> proofs.deadLetter(r.record(), r.verdict()));
        }
        return all;
    }

    private Uni<List<StoredEvent>> write(List<AuditEntry> entries, TrailAppender.Batch batch, Context context,
                                         long started) {
        return Uni.createFrom().deferred(() -> DatabaseContext.on(context, () -> appender.write(batch)))
                .onFailure().invoke(e -> {
                    metrics.failed();
                    LOG.warnf("writing %d audit records failed, retrying: %s", batch.entries().size(), e.toString());
                })
                .onFailure().retry()
                .withBackOff(config.ingest().minBackoff(), config.ingest().maxBackoff())
                .indefinitely()
                .invoke(rows -> metrics.recorded(entries, rows, System.nanoTime() - started));
    }

    static IncomingRecord incoming(ConsumerRecord<String, String> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return new IncomingRecord(record.topic(), record.partition(), record.offset(),
                Instant.ofEpochMilli(record.timestamp()), record.key(), record.value(), headers);
    }
}
