package io.keystep.audit.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.EventQuery;
import io.keystep.audit.domain.HashChain;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.messaging.StoredEventBroadcast;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;

import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The audit trail in PostgreSQL, through Hibernate Reactive. Ingest appends batches exactly once and links each
 * tenant's rows into its hash chain; queries read pages so that no request holds more than one page.
 */
@ApplicationScoped
public class AuditEventStore {

    /** Columns of a {@link StoredEvent}, times as ISO text so that no driver time-zone rule gets in the way. */
    static final String COLUMNS = "CAST(event_id AS text), type, schema_version, "
            + iso("occurred_at") + ", tenant_id, correlation_id, user_id, topic, \"partition\", \"offset\", "
            + iso("received_at") + ", chain_seq, CAST(payload AS text), prev_hash, hash";

    private static final int ROWS_PER_INSERT = 200;

    private final Mutiny.SessionFactory sessions;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Set<YearMonth> partitionsKnown = ConcurrentHashMap.newKeySet();

    public AuditEventStore(Mutiny.SessionFactory sessions, ObjectMapper mapper, Clock clock) {
        this.sessions = sessions;
        this.mapper = mapper;
        this.clock = clock;
    }

    static String iso(String column) {
        return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    }

    /**
     * Stores the entries not stored before, in one transaction, and returns the rows written. An event id already
     * in the trail (a redelivery, a rebalance, a second instance) is skipped. Each tenant's head is locked while
     * its rows are chained, which orders the tenant's rows across every instance.
     */
    public Uni<List<StoredEvent>> append(List<AuditEntry> entries) {
        Map<UUID, AuditEntry> unique = new LinkedHashMap<>();
        for (AuditEntry entry : entries) {
            unique.putIfAbsent(entry.eventId(), entry);
        }
        if (unique.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return ensurePartition(YearMonth.from(clock.instant().atOffset(ZoneOffset.UTC)))
                .chain(() -> sessions.withTransaction((session, tx) -> appendIn(session, List.copyOf(unique.values()))));
    }

    private Uni<List<StoredEvent>> appendIn(Mutiny.Session session, List<AuditEntry> entries) {
        TreeSet<String> tenants = entries.stream().map(AuditEntry::tenantId).collect(Collectors.toCollection(TreeSet::new));
        return lockHeads(session, tenants).chain(heads -> {
            Instant receivedAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
            return claim(session, entries, receivedAt).chain(claimed -> {
                List<StoredEvent> rows = new ArrayList<>();
                Map<String, StoredEvent> lastOfTenant = new HashMap<>();
                for (AuditEntry entry : entries) {
                    if (!claimed.contains(entry.eventId())) {
                        continue;
                    }
                    Head head = heads.get(entry.tenantId());
                    long seq = head.lastSeq + 1;
                    String hash = HashChain.hash(head.lastHash, seq, entry.eventId(), entry.type(),
                            entry.schemaVersion(), entry.occurredAt(), entry.tenantId(), entry.correlationId(),
                            entry.userId(), entry.topic(), entry.partition(), entry.offset(), receivedAt,
                            entry.payload());
                    StoredEvent row = new StoredEvent(entry.eventId(), entry.type(), entry.schemaVersion(),
                            entry.occurredAt(), entry.tenantId(), entry.correlationId(), entry.userId(), entry.topic(),
                            entry.partition(), entry.offset(), receivedAt, seq, entry.payload(), head.lastHash, hash);
                    head.lastSeq = seq;
                    head.lastHash = hash;
                    rows.add(row);
                    lastOfTenant.put(entry.tenantId(), row);
                }
                if (rows.isEmpty()) {
                    return Uni.createFrom().item(rows);
                }
                return insertRows(session, rows)
                        .chain(() -> updateHeads(session, lastOfTenant.values(), receivedAt))
                        .chain(() -> notifyListeners(session, rows))
                        .replaceWith(rows);
            });
        });
    }

    private static final class Head {
        long lastSeq;
        String lastHash;
    }

    private Uni<Map<String, Head>> lockHeads(Mutiny.Session session, TreeSet<String> tenants) {
        StringBuilder insert = new StringBuilder(
                "INSERT INTO audit_chain_head (tenant_id, last_seq, last_hash, updated_at) VALUES ");
        StringBuilder in = new StringBuilder();
        int i = 1;
        for (String ignored : tenants) {
            if (i > 1) {
                insert.append(',');
                in.append(',');
            }
            insert.append("(?").append(i).append(", 0, '").append(HashChain.GENESIS).append("', now())");
            in.append('?').append(i);
            i++;
        }
        insert.append(" ON CONFLICT (tenant_id) DO NOTHING");
        var create = session.createNativeQuery(insert.toString());
        var select = session.createNativeQuery("SELECT tenant_id, last_seq, last_hash FROM audit_chain_head"
                + " WHERE tenant_id IN (" + in + ") ORDER BY tenant_id FOR UPDATE", Object[].class);
        int p = 1;
        for (String tenant : tenants) {
            create.setParameter(p, tenant);
            select.setParameter(p, tenant);
            p++;
        }
        return create.executeUpdate().chain(() -> select.getResultList()).map(result -> {
            Map<String, Head> heads = new HashMap<>();
            for (Object[] row : result) {
                Head head = new Head();
                head.lastSeq = ((Number) row[1]).longValue();
                head.lastHash = (String) row[2];
                heads.put((String) row[0], head);
            }
            return heads;
        });
    }

    /** Claims the event ids in audit_event_id; returns the ids that were new. */
    private Uni<Set<UUID>> claim(Mutiny.Session session, List<AuditEntry> entries, Instant receivedAt) {
        // sorted, so that two instances claiming overlapping batches lock the ids in the same order
        List<AuditEntry> sorted = entries.stream().sorted(Comparator.comparing(AuditEntry::eventId)).toList();
        Uni<Set<UUID>> result = Uni.createFrom().item(new java.util.HashSet<>());
        for (int start = 0; start < sorted.size(); start += ROWS_PER_INSERT) {
            List<AuditEntry> chunk = sorted.subList(start, Math.min(sorted.size(), start + ROWS_PER_INSERT));
            StringBuilder sql = new StringBuilder(
                    "WITH claimed AS (INSERT INTO audit_event_id (event_id, tenant_id, received_at) VALUES ");
            for (int i = 0; i < chunk.size(); i++) {
                int base = i * 3;
                sql.append(i == 0 ? "" : ",").append("(CAST(CAST(?").append(base + 1).append(" AS text) AS uuid), ?")
                        .append(base + 2).append(", CAST(CAST(?").append(base + 3).append(" AS text) AS timestamptz))");
            }
            sql.append(" ON CONFLICT (event_id) DO NOTHING RETURNING event_id) SELECT CAST(event_id AS text) FROM claimed");
            result = result.chain(claimed -> {
                var query = session.createNativeQuery(sql.toString(), String.class);
                for (int i = 0; i < chunk.size(); i++) {
                    query.setParameter(i * 3 + 1, chunk.get(i).eventId().toString());
                    query.setParameter(i * 3 + 2, chunk.get(i).tenantId());
                    query.setParameter(i * 3 + 3, receivedAt.toString());
                }
                return query.getResultList().map(ids -> {
                    ids.forEach(id -> claimed.add(UUID.fromString(id)));
                    return claimed;
                });
            });
        }
        return result;
    }

    private Uni<Void> insertRows(Mutiny.Session session, List<StoredEvent> rows) {
        Uni<Void> result = Uni.createFrom().voidItem();
        for (int start = 0; start < rows.size(); start += ROWS_PER_INSERT) {
            List<StoredEvent> chunk = rows.subList(start, Math.min(rows.size(), start + ROWS_PER_INSERT));
            result = result.chain(() -> insertChunk(session, chunk));
        }
        return result;
    }

    private Uni<Void> insertChunk(Mutiny.Session session, List<StoredEvent> chunk) {
        int columns = 15;
        StringBuilder sql = new StringBuilder("INSERT INTO audit_event (event_id, tenant_id, chain_seq, type,"
                + " schema_version, occurred_at, correlation_id, user_id, topic, \"partition\", \"offset\","
                + " received_at, payload, prev_hash, hash) VALUES ");
        for (int i = 0; i < chunk.size(); i++) {
            int b = i * columns;
            sql.append(i == 0 ? "" : ",")
                    .append("(CAST(CAST(?").append(b + 1).append(" AS text) AS uuid), ?").append(b + 2)
                    .append(", ?").append(b + 3).append(", ?").append(b + 4).append(", ?").append(b + 5)
                    .append(", CAST(CAST(?").append(b + 6).append(" AS text) AS timestamptz), ?").append(b + 7)
                    .append(", ?").append(b + 8).append(", ?").append(b + 9).append(", ?").append(b + 10)
                    .append(", ?").append(b + 11).append(", CAST(CAST(?").append(b + 12).append(" AS text) AS timestamptz)")
                    .append(", CAST(CAST(?").append(b + 13).append(" AS text) AS jsonb), ?").append(b + 14)
                    .append(", ?").append(b + 15).append(')');
        }
        var query = session.createNativeQuery(sql.toString());
        for (int i = 0; i < chunk.size(); i++) {
            StoredEvent row = chunk.get(i);
            int b = i * columns;
            query.setParameter(b + 1, row.eventId().toString());
            query.setParameter(b + 2, row.tenantId());
            query.setParameter(b + 3, row.chainSeq());
            query.setParameter(b + 4, row.type());
            query.setParameter(b + 5, row.schemaVersion());
            query.setParameter(b + 6, row.occurredAt().toString());
            query.setParameter(b + 7, row.correlationId());
            query.setParameter(b + 8, row.userId());
            query.setParameter(b + 9, row.topic());
            query.setParameter(b + 10, row.partition());
            query.setParameter(b + 11, row.offset());
            query.setParameter(b + 12, row.receivedAt().toString());
            query.setParameter(b + 13, json(row.payload()));
            query.setParameter(b + 14, row.prevHash());
            query.setParameter(b + 15, row.hash());
        }
        return query.executeUpdate().replaceWithVoid();
    }

    private Uni<Void> updateHeads(Mutiny.Session session, Iterable<StoredEvent> lastRows, Instant now) {
        Uni<Void> result = Uni.createFrom().voidItem();
        for (StoredEvent row : lastRows) {
            result = result.chain(() -> session.createNativeQuery("UPDATE audit_chain_head SET last_seq = ?1,"
                            + " last_hash = ?2, updated_at = CAST(CAST(?3 AS text) AS timestamptz) WHERE tenant_id = ?4")
                    .setParameter(1, row.chainSeq())
                    .setParameter(2, row.hash())
                    .setParameter(3, now.toString())
                    .setParameter(4, row.tenantId())
                    .executeUpdate().replaceWithVoid());
        }
        return result;
    }

    /**
     * Tells every instance's live stream which rows are new: per tenant, the range of sequence numbers. NOTIFY is
     * transactional, so it is delivered only if these rows are committed.
     */
    private Uni<Void> notifyListeners(Mutiny.Session session, List<StoredEvent> rows) {
        Map<String, long[]> ranges = new LinkedHashMap<>();
        for (StoredEvent row : rows) {
            ranges.computeIfAbsent(row.tenantId(), t -> new long[]{row.chainSeq(), row.chainSeq()})[1] = row.chainSeq();
        }
        Uni<Void> result = Uni.createFrom().voidItem();
        for (var range : ranges.entrySet()) {
            String payload = StoredEventBroadcast.notification(mapper, range.getKey(), range.getValue()[0], range.getValue()[1]);
            if (payload.length() > 7000) {
                continue; // NOTIFY carries at most 8000 bytes; such a tenant id is not streamed live
            }
            result = result.chain(() -> session.createNativeQuery(
                            "SELECT 1 FROM (SELECT pg_notify('" + StoredEventBroadcast.CHANNEL + "', CAST(?1 AS text))) n",
                            Integer.class)
                    .setParameter(1, payload)
                    .getResultList().replaceWithVoid());
        }
        return result;
    }

    /**
     * Creates the month's partition when it does not exist yet. Runs in its own short transaction, because
     * creating a partition locks the parent table; once per month and instance.
     */
    public Uni<Void> ensurePartition(YearMonth month) {
        if (partitionsKnown.contains(month)) {
            return Uni.createFrom().voidItem();
        }
        return sessions.withTransaction(session -> session.createNativeQuery(partitionDdl(month)).executeUpdate())
                .invoke(() -> partitionsKnown.add(month))
                .replaceWithVoid();
    }

    /** The DDL of a month's partition; the name {@code audit_event_yYYYYmMM} sorts by month. */
    public static String partitionDdl(YearMonth month) {
        return "CREATE TABLE IF NOT EXISTS " + partitionName(month) + " PARTITION OF audit_event FOR VALUES FROM ('"
                + month.atDay(1) + " 00:00:00+00') TO ('" + month.plusMonths(1).atDay(1) + " 00:00:00+00')";
    }

    public static String partitionName(YearMonth month) {
        return String.format("audit_event_y%04dm%02d", month.getYear(), month.getMonthValue());
    }

    /** One page of a tenant's rows matching the query, newest first. */
    public Uni<List<StoredEvent>> search(EventQuery query, int limit) {
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM audit_event WHERE tenant_id = ?1");
        params.add(query.tenantId());
        if (query.userId() != null) {
            params.add(query.userId());
            sql.append(" AND user_id = ?").append(params.size());
        }
        if (query.type() != null) {
            params.add(query.type());
            sql.append(" AND type = ?").append(params.size());
        }
        if (query.correlationId() != null) {
            params.add(query.correlationId());
            sql.append(" AND correlation_id = ?").append(params.size());
        }
        if (query.outcome() != null) {
            params.add(query.outcome());
            sql.append(" AND payload ->> 'outcome' = ?").append(params.size());
        }
        if (query.channel() != null) {
            params.add(query.channel());
            int p = params.size();
            sql.append(" AND (payload ->> 'channel' = ?").append(p)
                    .append(" OR payload -> 'channelPlan' ->> 0 = ?").append(p).append(')');
        }
        if (query.from() != null) {
            params.add(query.from().toString());
            sql.append(" AND occurred_at >= CAST(CAST(?").append(params.size()).append(" AS text) AS timestamptz)");
        }
        if (query.to() != null) {
            params.add(query.to().toString());
            sql.append(" AND occurred_at < CAST(CAST(?").append(params.size()).append(" AS text) AS timestamptz)");
        }
        if (query.before() != null) {
            params.add(query.before().occurredAt().toString());
            int p = params.size();
            params.add(query.before().eventId().toString());
            sql.append(" AND (occurred_at, event_id) < (CAST(CAST(?").append(p).append(" AS text) AS timestamptz), CAST(CAST(?")
                    .append(p + 1).append(" AS text) AS uuid))");
        }
        sql.append(" ORDER BY occurred_at DESC, event_id DESC LIMIT ").append(limit);
        return select(sql.toString(), params);
    }

    /** One page of a user's rows, oldest first, after {@code after} (exclusive) when given. */
    public Uni<List<StoredEvent>> timeline(String tenantId, String userId, Instant from, Instant to,
                                           EventQuery.Position after, int limit) {
        List<Object> params = new ArrayList<>(List.of(tenantId, userId));
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS)
                .append(" FROM audit_event WHERE tenant_id = ?1 AND user_id = ?2");
        if (from != null) {
            params.add(from.toString());
            sql.append(" AND occurred_at >= CAST(CAST(?").append(params.size()).append(" AS text) AS timestamptz)");
        }
        if (to != null) {
            params.add(to.toString());
            sql.append(" AND occurred_at < CAST(CAST(?").append(params.size()).append(" AS text) AS timestamptz)");
        }
        if (after != null) {
            params.add(after.occurredAt().toString());
            int p = params.size();
            params.add(after.eventId().toString());
            sql.append(" AND (occurred_at, event_id) > (CAST(CAST(?").append(p).append(" AS text) AS timestamptz), CAST(CAST(?")
                    .append(p + 1).append(" AS text) AS uuid))");
        }
        sql.append(" ORDER BY occurred_at, event_id LIMIT ").append(limit);
        return select(sql.toString(), params);
    }

    /** One page of a tenant's chain, in chain order, from sequence number {@code fromSeq} on. */
    public Uni<List<StoredEvent>> chainPage(String tenantId, long fromSeq, long toSeq, int limit) {
        return select("SELECT " + COLUMNS + " FROM audit_event WHERE tenant_id = ?1 AND chain_seq >= ?2"
                + " AND chain_seq <= ?3 ORDER BY chain_seq LIMIT " + limit, List.of(tenantId, fromSeq, toSeq));
    }

    /** The smallest and largest sequence numbers of the tenant's rows received in the period, or null. */
    public Uni<long[]> chainRange(String tenantId, Instant from, Instant to) {
        List<Object> params = new ArrayList<>(List.of(tenantId));
        StringBuilder sql = new StringBuilder("SELECT min(chain_seq), max(chain_seq) FROM audit_event WHERE tenant_id = ?1");
        if (from != null) {
            params.add(from.toString());
            sql.append(" AND received_at >= CAST(CAST(?").append(params.size()).append(" AS text) AS timestamptz)");
        }
        if (to != null) {
            params.add(to.toString());
            sql.append(" AND received_at < CAST(CAST(?").append(params.size()).append(" AS text) AS timestamptz)");
        }
        return sessions.withSession(session -> {
            var query = session.createNativeQuery(sql.toString(), Object[].class);
            for (int i = 0; i < params.size(); i++) {
                query.setParameter(i + 1, params.get(i));
            }
            return query.getSingleResult();
        }).map(row -> row[0] == null ? null : new long[]{((Number) row[0]).longValue(), ((Number) row[1]).longValue()});
    }

    /** The tenant's chain head: last sequence number, its hash and the sequence pruned by retention; or null. */
    public Uni<ChainHead> head(String tenantId) {
        return sessions.withSession(session -> session.createNativeQuery(
                        "SELECT last_seq, last_hash, pruned_through_seq FROM audit_chain_head WHERE tenant_id = ?1",
                        Object[].class)
                .setParameter(1, tenantId)
                .getResultList())
                .map(rows -> rows.isEmpty() ? null : new ChainHead(tenantId, ((Number) rows.get(0)[0]).longValue(),
                        (String) rows.get(0)[1], ((Number) rows.get(0)[2]).longValue()));
    }

    /** Every tenant's chain head. */
    public Uni<List<ChainHead>> heads() {
        return sessions.withSession(session -> session.createNativeQuery(
                        "SELECT tenant_id, last_seq, last_hash, pruned_through_seq FROM audit_chain_head ORDER BY tenant_id",
                        Object[].class).getResultList())
                .map(rows -> rows.stream().map(r -> new ChainHead((String) r[0], ((Number) r[1]).longValue(),
                        (String) r[2], ((Number) r[3]).longValue())).toList());
    }

    /** A tenant's chain head. */
    public record ChainHead(String tenantId, long lastSeq, String lastHash, long prunedThroughSeq) {
    }

    /** Runs a native aggregate query and gives its rows. */
    public Uni<List<Object[]>> rows(String sql, List<Object> params) {
        return sessions.withSession(session -> {
            var query = session.createNativeQuery(sql, Object[].class);
            for (int i = 0; i < params.size(); i++) {
                query.setParameter(i + 1, params.get(i));
            }
            return query.getResultList();
        });
    }

    private Uni<List<StoredEvent>> select(String sql, List<Object> params) {
        return rows(sql, params).map(rows -> rows.stream().map(this::toEvent).toList());
    }

    private StoredEvent toEvent(Object[] r) {
        return new StoredEvent(UUID.fromString((String) r[0]), (String) r[1], ((Number) r[2]).intValue(),
                Instant.parse((String) r[3]), (String) r[4], (String) r[5], (String) r[6], (String) r[7],
                ((Number) r[8]).intValue(), ((Number) r[9]).longValue(), Instant.parse((String) r[10]),
                ((Number) r[11]).longValue(), parse((String) r[12]), (String) r[13], (String) r[14]);
    }

    private JsonNode parse(String json) {
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("jsonb column gave invalid JSON", e);
        }
    }

    private String json(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (Exception e) {
            throw new IllegalStateException("payload cannot be written as JSON", e);
        }
    }

    static <T, K> Map<K, List<T>> group(List<T> items, Function<T, K> key) {
        return items.stream().collect(Collectors.groupingBy(key, LinkedHashMap::new, Collectors.toList()));
    }
}
