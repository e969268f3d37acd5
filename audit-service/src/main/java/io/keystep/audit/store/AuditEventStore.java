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
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import org.hibernate.reactive.mutiny.Mutiny;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
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

    private final Mutiny.SessionFactory sessions;
    private final Pool pool;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Set<YearMonth> partitionsKnown = ConcurrentHashMap.newKeySet();

    public AuditEventStore(Mutiny.SessionFactory sessions, Pool pool, ObjectMapper mapper, Clock clock) {
        this.sessions = sessions;
        this.pool = pool;
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
     *
     * <p>Written through the reactive SQL client, not Hibernate: the hot path has no entity or query-plan work, and
     * its statements have one text whatever the batch size (arrays, not a VALUES list per row), so PostgreSQL and
     * the client's prepared-statement cache parse each once per connection. A batch takes three statements: lock
     * the heads, claim the ids, then rows, heads and the live-stream notice in one.
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
                .chain(() -> pool.withTransaction(connection -> appendIn(connection, List.copyOf(unique.values()))));
    }

    private static final String LOCK_HEADS = "SELECT tenant_id, last_seq, last_hash FROM audit_chain_head"
            + " WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id FOR UPDATE";
    private static final String CREATE_HEADS = "INSERT INTO audit_chain_head (tenant_id, last_seq, last_hash, updated_at)"
            + " SELECT t, 0, $2, now() FROM unnest($1::text[]) AS t ORDER BY t ON CONFLICT (tenant_id) DO NOTHING";
    // ids sorted, so that two instances claiming overlapping batches lock the ids in the same order
    private static final String CLAIM = "INSERT INTO audit_event_id (event_id, tenant_id, received_at)"
            + " SELECT c.e, c.t, $3::timestamptz FROM unnest($1::uuid[], $2::text[]) AS c(e, t) ORDER BY c.e"
            + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id";
    // NOTIFY is transactional: delivered only if these rows are committed
    private static final String WRITE = "WITH new_rows AS (INSERT INTO audit_event (event_id, tenant_id, chain_seq, type,"
            + " schema_version, occurred_at, correlation_id, user_id, topic, \"partition\", \"offset\", received_at,"
            + " payload, prev_hash, hash)"
            + " SELECT r.e, r.t, r.s, r.ty, r.v, r.o, r.c, r.u, r.tp, r.p, r.off, $12::timestamptz, r.pl::jsonb, r.ph, r.h"
            + " FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::text[], $5::int4[], $6::timestamptz[], $7::text[],"
            + " $8::text[], $9::text[], $10::int4[], $11::int8[], $13::text[], $14::text[], $15::text[])"
            + " AS r(e, t, s, ty, v, o, c, u, tp, p, off, pl, ph, h) RETURNING 1),"
            + " new_heads AS (UPDATE audit_chain_head h SET last_seq = n.s, last_hash = n.hash, updated_at = $12::timestamptz"
            + " FROM unnest($16::text[], $17::int8[], $18::text[]) AS n(t, s, hash) WHERE h.tenant_id = n.t RETURNING 1)"
            + " SELECT (SELECT count(*) FROM new_rows) AS stored, (SELECT count(*) FROM new_heads) AS heads,"
            + " (SELECT count(*) FROM (SELECT pg_notify('" + StoredEventBroadcast.CHANNEL + "', m)"
            + " FROM unnest($19::text[]) AS m) notices) AS notices";

    private Uni<List<StoredEvent>> appendIn(SqlConnection connection, List<AuditEntry> entries) {
        TreeSet<String> tenants = new TreeSet<>();
        for (AuditEntry entry : entries) {
            tenants.add(entry.tenantId());
        }
        List<AuditEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(AuditEntry::eventId));
        UUID[] ids = new UUID[sorted.size()];
        String[] idTenants = new String[sorted.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = sorted.get(i).eventId();
            idTenants[i] = sorted.get(i).tenantId();
        }
        return connection.preparedQuery(LOCK_HEADS).execute(Tuple.of(tenants.toArray(String[]::new)))
                .chain(locked -> createMissingHeads(connection, tenants, heads(locked)))
                .chain(heads -> {
                    // taken under the heads' locks, so that a tenant's rows are received in chain order
                    Instant receivedAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    OffsetDateTime receivedAtColumn = receivedAt.atOffset(ZoneOffset.UTC);
                    return connection.preparedQuery(CLAIM).execute(Tuple.of(ids, idTenants, receivedAtColumn))
                            .chain(claim -> {
                                Set<UUID> claimed = new java.util.HashSet<>();
                                for (Row row : claim) {
                                    claimed.add(row.getUUID(0));
                                }
                                return write(connection, entries, claimed, heads, receivedAt, receivedAtColumn);
                            });
                });
    }

    private static final class Head {
        long lastSeq;
        String lastHash;
    }

    private static Map<String, Head> heads(RowSet<Row> rows) {
        Map<String, Head> heads = new HashMap<>();
        for (Row row : rows) {
            Head head = new Head();
            head.lastSeq = row.getLong(1);
            head.lastHash = row.getString(2);
            heads.put(row.getString(0), head);
        }
        return heads;
    }

    /** A tenant's first batch creates its head (a concurrent first batch of another instance is waited for). */
    private Uni<Map<String, Head>> createMissingHeads(SqlConnection connection, TreeSet<String> tenants,
                                                     Map<String, Head> heads) {
        if (heads.size() == tenants.size()) {
            return Uni.createFrom().item(heads);
        }
        String[] missing = tenants.stream().filter(t -> !heads.containsKey(t)).toArray(String[]::new);
        return connection.preparedQuery(CREATE_HEADS).execute(Tuple.of(missing, HashChain.GENESIS))
                .chain(() -> connection.preparedQuery(LOCK_HEADS).execute(Tuple.of((Object) missing)))
                .map(rows -> {
                    heads.putAll(heads(rows));
                    return heads;
                });
    }

    private Uni<List<StoredEvent>> write(SqlConnection connection, List<AuditEntry> entries, Set<UUID> claimed,
                                        Map<String, Head> heads, Instant receivedAt, OffsetDateTime receivedAtColumn) {
        List<StoredEvent> rows = new ArrayList<>(claimed.size());
        List<String> payloads = new ArrayList<>(claimed.size());
        Map<String, StoredEvent> lastOfTenant = new LinkedHashMap<>();
        Map<String, long[]> ranges = new LinkedHashMap<>();
        for (AuditEntry entry : entries) {
            if (!claimed.contains(entry.eventId())) {
                continue;
            }
            Head head = heads.get(entry.tenantId());
            long seq = head.lastSeq + 1;
            // the canonical payload is both hashed and stored: jsonb keeps the same document, so one rendering
            String payload = HashChain.canonicalPayload(entry.payload());
            String hash = HashChain.hash(head.lastHash, seq, entry.eventId(), entry.type(), entry.schemaVersion(),
                    entry.occurredAt(), entry.tenantId(), entry.correlationId(), entry.userId(), entry.topic(),
                    entry.partition(), entry.offset(), receivedAt, payload);
            StoredEvent row = new StoredEvent(entry.eventId(), entry.type(), entry.schemaVersion(),
                    entry.occurredAt(), entry.tenantId(), entry.correlationId(), entry.userId(), entry.topic(),
                    entry.partition(), entry.offset(), receivedAt, seq, entry.payload(), head.lastHash, hash);
            head.lastSeq = seq;
            head.lastHash = hash;
            rows.add(row);
            payloads.add(payload);
            lastOfTenant.put(entry.tenantId(), row);
            ranges.computeIfAbsent(entry.tenantId(), t -> new long[]{seq, seq})[1] = seq;
        }
        if (rows.isEmpty()) {
            return Uni.createFrom().item(rows);
        }
        int n = rows.size();
        UUID[] eventIds = new UUID[n];
        String[] tenantIds = new String[n];
        Long[] seqs = new Long[n];
        String[] types = new String[n];
        Integer[] versions = new Integer[n];
        OffsetDateTime[] occurred = new OffsetDateTime[n];
        String[] correlations = new String[n];
        String[] users = new String[n];
        String[] topics = new String[n];
        Integer[] partitions = new Integer[n];
        Long[] offsets = new Long[n];
        String[] prevHashes = new String[n];
        String[] hashes = new String[n];
        for (int i = 0; i < n; i++) {
            StoredEvent row = rows.get(i);
            eventIds[i] = row.eventId();
            tenantIds[i] = row.tenantId();
            seqs[i] = row.chainSeq();
            types[i] = row.type();
            versions[i] = row.schemaVersion();
            occurred[i] = row.occurredAt().atOffset(ZoneOffset.UTC);
            correlations[i] = row.correlationId();
            users[i] = row.userId();
            topics[i] = row.topic();
            partitions[i] = row.partition();
            offsets[i] = row.offset();
            prevHashes[i] = row.prevHash();
            hashes[i] = row.hash();
        }
        int t = lastOfTenant.size();
        String[] headTenants = new String[t];
        Long[] headSeqs = new Long[t];
        String[] headHashes = new String[t];
        int i = 0;
        for (StoredEvent last : lastOfTenant.values()) {
            headTenants[i] = last.tenantId();
            headSeqs[i] = last.chainSeq();
            headHashes[i] = last.hash();
            i++;
        }
        List<String> notices = new ArrayList<>(ranges.size());
        for (var range : ranges.entrySet()) {
            String notice = StoredEventBroadcast.notification(mapper, range.getKey(), range.getValue()[0],
                    range.getValue()[1]);
            if (notice.length() <= 7000) { // NOTIFY carries at most 8000 bytes; such a tenant id is not streamed live
                notices.add(notice);
            }
        }
        Tuple params = Tuple.tuple(List.of(eventIds, tenantIds, seqs, types, versions, occurred, correlations, users,
                topics, partitions, offsets, receivedAtColumn, payloads.toArray(String[]::new), prevHashes, hashes,
                headTenants, headSeqs, headHashes, notices.toArray(String[]::new)));
        return connection.preparedQuery(WRITE).execute(params).map(result -> {
            long stored = result.iterator().next().getLong(0);
            if (stored != n) {
                throw new IllegalStateException("wrote " + stored + " audit rows of " + n);
            }
            return rows;
        });
    }

    /**
     * Creates the month's partition when it does not exist yet. Runs in its own short transaction, because
     * creating a partition locks the parent table; once per month and instance.
     */
    public Uni<Void> ensurePartition(YearMonth month) {
        if (partitionsKnown.contains(month)) {
            return Uni.createFrom().voidItem();
        }
        return pool.query(partitionDdl(month)).execute()
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

    static <T, K> Map<K, List<T>> group(List<T> items, Function<T, K> key) {
        return items.stream().collect(Collectors.groupingBy(key, LinkedHashMap::new, Collectors.toList()));
    }
}
