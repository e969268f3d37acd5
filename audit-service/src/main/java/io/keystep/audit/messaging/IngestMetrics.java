package io.keystep.audit.messaging;

import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.StoredEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
    private final Map<String, TenantMeters> tenantMeters = new ConcurrentHashMap<>();
    private final Map<String, Counter> storedByType = new ConcurrentHashMap<>();
    private final Timer lagTimer;
    private final Timer batchTimer;
    private final Counter duplicateCounter;
    private final Counter recordsStored;
    private final Counter recordsDuplicate;

    public IngestMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("audit.ingest.rows.per.second", this, IngestMetrics::rowsPerSecond)
                .description("rows written per second, averaged over the last ten seconds").register(registry);
        Gauge.builder("audit.ingest.newest.lag.seconds", lastLagMillis, lag -> lag.get() / 1000.0)
                .description("occurred-at to stored, of the newest stored row").register(registry);
        lagTimer = Timer.builder("keystep.audit.ingest.lag").description("occurred-at to stored").register(registry);
        batchTimer = Timer.builder("audit.ingest.batch").register(registry);
        duplicateCounter = Counter.builder("audit.events.duplicate").register(registry);
        recordsStored = Counter.builder("keystep.audit.ingest.records")
                .description("records consumed, stored or skipped as duplicates").tag("outcome", "stored").register(registry);
        recordsDuplicate = Counter.builder("keystep.audit.ingest.records")
                .description("records consumed, stored or skipped as duplicates").tag("outcome", "duplicate")
                .register(registry);
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
        long lag = 0;
        for (StoredEvent row : rows) {
            lag = Math.max(0, now - row.occurredAt().toEpochMilli());
            TenantMeters tenant = tenantMeters.computeIfAbsent(row.tenantId(), TenantMeters::new);
            tenant.stored.computeIfAbsent(row.type(), tenant::storedCounter).increment();
            tenant.lag.record(lag, TimeUnit.MILLISECONDS);
            // platform-wide names without the tenant tag, so that their number of series stays bounded
            storedByType.computeIfAbsent(row.type(), this::storedByTypeCounter).increment();
            lagTimer.record(lag, TimeUnit.MILLISECONDS);
        }
        if (!rows.isEmpty()) {
            lastLagMillis.set(lag);
        }
        int duplicates = entries.size() - rows.size();
        if (duplicates > 0) {
            duplicateCounter.increment(duplicates);
        }
        recordsStored.increment(rows.size());
        recordsDuplicate.increment(Math.max(0, duplicates));
        batchTimer.record(nanos, TimeUnit.NANOSECONDS);
        addRows(now / 1000, rows.size());
    }

    /** The meters of one tenant, looked up once rather than per row. */
    private final class TenantMeters {
        final String tenant;
        final Timer lag;
        final Map<String, Counter> stored = new ConcurrentHashMap<>();

        TenantMeters(String tenant) {
            this.tenant = tenant;
            this.lag = Timer.builder("audit.ingest.lag").tag("tenant", tenant).register(registry);
        }

        Counter storedCounter(String type) {
            return Counter.builder("audit.events.stored").tag("tenant", tenant).tag("type", type).register(registry);
        }
    }

    private Counter storedByTypeCounter(String type) {
        return Counter.builder("keystep.audit.events.stored").description("rows stored in the trail, by event type")
                .tag("type", type).register(registry);
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
