package io.keystep.audit.messaging;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.EventTranslator;
import io.keystep.audit.domain.IncomingRecord;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.DatabaseContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumes every platform topic and every dead-letter topic in batches and appends them to the trail. A batch is
 * acknowledged (its offsets committed) only after its rows are written; while PostgreSQL fails, the batch is
 * retried with backoff and consumption waits, so an outage loses nothing.
 */
@ApplicationScoped
public class AuditIngest {

    private static final Logger LOG = Logger.getLogger(AuditIngest.class);

    private final AuditEventStore store;
    private final EventTranslator translator;
    private final AuditConfig config;
    private final IngestMetrics metrics;
    private final DatabaseContext database;

    public AuditIngest(AuditEventStore store, com.fasterxml.jackson.databind.ObjectMapper mapper, AuditConfig config,
                       IngestMetrics metrics, DatabaseContext database) {
        this.store = store;
        this.translator = new EventTranslator(mapper);
        this.config = config;
        this.metrics = metrics;
        this.database = database;
    }

    @Incoming("audit-in")
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        List<IncomingRecord> incoming = new java.util.ArrayList<>(records.count());
        records.forEach(record -> incoming.add(incoming(record)));
        return ingest(incoming).replaceWithVoid();
    }

    /**
     * Translates and stores records, retrying until PostgreSQL has them. Also the entry point of any other consumer
     * of the same group (a second instance behaves exactly like this one).
     */
    public Uni<List<StoredEvent>> ingest(List<IncomingRecord> records) {
        List<AuditEntry> entries = records.stream().map(translator::translate).toList();
        long started = System.nanoTime();
        Context context = database.current();
        return Uni.createFrom().deferred(() -> DatabaseContext.on(context, () -> store.append(entries)))
                .onFailure().invoke(e -> {
                    metrics.failed();
                    LOG.warnf("writing %d audit records failed, retrying: %s", entries.size(), e.toString());
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
