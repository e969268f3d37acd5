package io.keystep.audit.messaging;

import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.StoredEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Ingest figures: rows stored and duplicates skipped per tenant, the lag from occurred-at to stored, the lag of
 * the newest stored row, and rows per second over the last ten seconds.
 */
@ApplicationScoped
public class IngestMetrics {

    private static final int WINDOW_SECONDS = 10;

    private final MeterRegistry registry;
    private final Clock clock;
    private final AtomicLongArray rowsPerSecond = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLongArray bucketSecond = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLong lastLagMillis = new AtomicLong();

    public IngestMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("audit.ingest.rows.per.second", this, IngestMetrics::rowsPerSecond)
                .description("rows written per second, averaged over the last ten seconds").register(registry);
        Gauge.builder("audit.ingest.newest.lag.seconds", lastLagMillis, lag -> lag.get() / 1000.0)
                .description("occurred-at to stored, of the newest stored row").register(registry);
    }

    /** Records a written batch; a metrics problem never fails the ingest that already succeeded. */
    void recorded(List<AuditEntry> entries, List<StoredEvent> rows, long nanos) {
        try {
            record(entries, rows, nanos);
        } catch (RuntimeException e) {
            org.jboss.logging.Logger.getLogger(IngestMetrics.class).debug("ingest metrics not recorded", e);
        }
    }

    private void record(List<AuditEntry> entries, List<StoredEvent> rows, long nanos) {
        long now = clock.millis();
        for (StoredEvent row : rows) {
            Counter.builder("audit.events.stored").tag("tenant", row.tenantId()).tag("type", row.type())
                    .register(registry).increment();
            long lag = Math.max(0, now - row.occurredAt().toEpochMilli());
            Timer.builder("audit.ingest.lag").tag("tenant", row.tenantId()).register(registry)
                    .record(Duration.ofMillis(lag));
            lastLagMillis.set(lag);
            // platform-wide names without the tenant tag, so that their number of series stays bounded
            Counter.builder("keystep.audit.events.stored").description("rows stored in the trail, by event type")
                    .tag("type", row.type()).register(registry).increment();
            Timer.builder("keystep.audit.ingest.lag").description("occurred-at to stored")
                    .register(registry).record(Duration.ofMillis(lag));
        }
        int duplicates = entries.size() - rows.size();
        if (duplicates > 0) {
            Counter.builder("audit.events.duplicate").register(registry).increment(duplicates);
        }
        Counter.builder("keystep.audit.ingest.records").description("records consumed, stored or skipped as duplicates")
                .tag("outcome", "stored").register(registry).increment(rows.size());
        Counter.builder("keystep.audit.ingest.records").description("records consumed, stored or skipped as duplicates")
                .tag("outcome", "duplicate").register(registry).increment(Math.max(0, duplicates));
        Timer.builder("audit.ingest.batch").register(registry).record(Duration.ofNanos(nanos));
        addRows(now / 1000, rows.size());
    }

    void failed() {
        Counter.builder("audit.ingest.failures").description("batch writes that failed and will be retried")
                .register(registry).increment();
    }

    /** How many batch writes failed so far (each is retried). */
    public double failures() {
        Counter counter = registry.find("audit.ingest.failures").counter();
        return counter == null ? 0 : counter.count();
    }

    private void addRows(long second, int rows) {
        int slot = (int) (second % WINDOW_SECONDS);
        if (bucketSecond.getAndSet(slot, second) != second) {
            rowsPerSecond.set(slot, 0);
        }
        rowsPerSecond.addAndGet(slot, rows);
    }

    double rowsPerSecond() {
        long now = clock.millis() / 1000;
        long total = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            if (now - bucketSecond.get(i) < WINDOW_SECONDS) {
                total += rowsPerSecond.get(i);
            }
        }
        return total / (double) WINDOW_SECONDS;
    }
}
