package io.keystep.audit.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.HashChain;
import io.keystep.audit.domain.StoredEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Appends ingested events to the trail exactly once, each tenant's rows linked into its hash chain.
 *
 * <p>A batch is {@linkplain #prepare prepared} first (repeated ids dropped, payloads rendered in canonical form),
 * which needs no database and can run while the batch before it is being written; then {@linkplain #write written},
 * one batch at a time, in one of two ways:
 * <ul>
 * <li><b>On known tips</b>, when this instance knows the chain tip (last sequence number and hash) of every tenant
 * in the batch, as it does for the tenants it wrote last: the rows are hashed on those tips and written in one
 * statement that locks the tenants' heads, checks that each is still the tip the rows were hashed on and claims
 * every event id; only then are rows and heads written. A head moved by another instance, or an id stored before
 * (a redelivery), leaves nothing written, and the batch is written the other way.</li>
 * <li><b>Under the heads' locks</b>, otherwise: lock the heads, claim the ids, hash the claimed rows on the locked
 * heads, then write rows and heads. This reads the tips, so the next batches go the first way again.</li>
 * </ul>
 * Either way a tenant's head is locked while its rows are written, which gives every tenant one total order across
 * any number of instances; the tips known here are only a hint that the head check makes safe.
 *
 * <p>Written through the reactive SQL client, not Hibernate: the hot path has no entity or query-plan work, and
 * its statements have one text whatever the batch size (arrays, not a VALUES list per row), so PostgreSQL and the
 * client's prepared-statement cache parse each once per connection.
 */
@ApplicationScoped
public class TrailAppender {

    /** More tenants than this and the tips are forgotten (they are only a hint). */
    static final int MAX_TIPS = 100_000;

    private final Pool pool;
    private final AuditEventStore store;
    private final ChainedInserts inserts;
    private final Clock clock;
    private final Map<String, Tip> tips = new ConcurrentHashMap<>();
    private final Counter onTips;
    private final Counter underLocks;
    private final Counter tipsMoved;

    public TrailAppender(Pool pool, AuditEventStore store, ObjectMapper mapper, Clock clock, MeterRegistry registry) {
        this.pool = pool;
        this.store = store;
        this.inserts = new ChainedInserts(pool, mapper, clock);
        this.clock = clock;
        String batches = "keystep.audit.ingest.batches";
        String description = "batches written, by how their rows were chained";
        onTips = Counter.builder(batches).description(description).tag("path", "known-tips").register(registry);
        underLocks = Counter.builder(batches).description(description).tag("path", "under-locks").register(registry);
        tipsMoved = Counter.builder("keystep.audit.ingest.tips.moved")
                .description("batches hashed on a tip that another writer had moved (or with an id stored before),"
                        + " then written under the locks")
                .register(registry);
    }

    /** A tenant's chain tip: the sequence number and hash of its last row. */
    record Tip(long seq, String hash) {
    }

    /** A batch ready to be written: its entries once each, with their payloads in canonical form. */
    public record Batch(List<AuditEntry> entries, List<String> payloads, Set<String> tenants) {
    }

    /** Stores the entries not stored before, all or none, and returns the rows written. */
    public Uni<List<StoredEvent>> append(List<AuditEntry> entries) {
        return Uni.createFrom().deferred(() -> write(prepare(entries)));
    }

    /** Drops repeated event ids and renders the payloads; touches nothing shared, so it may run at any time. */
    public Batch prepare(List<AuditEntry> entries) {
        Map<UUID, AuditEntry> unique = new LinkedHashMap<>();
        for (AuditEntry entry : entries) {
            unique.putIfAbsent(entry.eventId(), entry);
        }
        List<AuditEntry> kept = List.copyOf(unique.values());
        List<String> payloads = new ArrayList<>(kept.size());
        Set<String> tenants = new LinkedHashSet<>();
        for (AuditEntry entry : kept) {
            // the canonical payload is both hashed and stored: jsonb keeps the same document, so one rendering
            payloads.add(HashChain.canonicalPayload(entry.payload()));
            tenants.add(entry.tenantId());
        }
        return new Batch(kept, List.copyOf(payloads), Set.copyOf(tenants));
    }

    /** Writes a prepared batch and returns the rows written (none for ids stored before). */
    public Uni<List<StoredEvent>> write(Batch batch) {
        if (batch.entries().isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Map<String, Tip> before = new HashMap<>();
        for (String tenant : batch.tenants()) {
            Tip tip = tips.get(tenant);
            if (tip == null) {
                return remembered(batch, underLocks(batch));
            }
            before.put(tenant, tip);
        }
        // received now, after this instance's previous batch: a tenant's rows are received in chain order
        Instant receivedAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Map<String, Tip> after = new HashMap<>(before);
        List<StoredEvent> rows = ChainedInserts.chain(batch.entries(), batch.payloads(), after, receivedAt);
        Uni<List<StoredEvent>> written = store.ensurePartition(month(receivedAt))
                .chain(() -> inserts.writeOnTips(batch, rows, before, receivedAt.atOffset(ZoneOffset.UTC)))
                .invoke(() -> {
                    onTips.increment();
                    tips.putAll(after);
                })
                .onFailure(ChainedInserts.TipMoved.class).recoverWithUni(() -> {
                    tipsMoved.increment();
                    return underLocks(batch);
                });
        return remembered(batch, written);
    }

    /** After a failure no tip of the batch's tenants can be trusted: the retry reads them under the locks. */
    private Uni<List<StoredEvent>> remembered(Batch batch, Uni<List<StoredEvent>> written) {
        return written.onFailure().invoke(() -> tips.keySet().removeAll(batch.tenants()));
    }

    private static YearMonth month(Instant instant) {
        return YearMonth.from(instant.atOffset(ZoneOffset.UTC));
    }

    private Uni<List<StoredEvent>> underLocks(Batch batch) {
        Map<String, Tip> heads = new HashMap<>();
        return store.ensurePartition(month(clock.instant()))
                .chain(() -> pool.withTransaction(connection -> inserts.appendUnderLocks(connection, batch, heads)))
                .invoke(() -> {
                    underLocks.increment();
                    if (tips.size() + heads.size() > MAX_TIPS) {
                        tips.clear();
                    }
                    tips.putAll(heads);
                });
    }

}
