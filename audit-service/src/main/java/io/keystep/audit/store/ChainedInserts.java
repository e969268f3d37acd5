package io.keystep.audit.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.HashChain;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.messaging.StoredEventBroadcast;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The statements that write a batch of chained rows, their tenants' heads and the live-stream notices: on known
 * tips in one statement, or under the heads' locks in three (see {@link TrailAppender}). Rows go as arrays, not a
 * VALUES list per row, so that each statement has one text whatever the batch size.
 */
final class ChainedInserts {

    private final Pool pool;
    private final ObjectMapper mapper;
    private final Clock clock;

    ChainedInserts(Pool pool, ObjectMapper mapper, Clock clock) {
        this.pool = pool;
        this.mapper = mapper;
        this.clock = clock;
    }

    /** The rows in order, each hashed on its tenant's tip in {@code tips}, which moves past it. */
    static List<StoredEvent> chain(List<AuditEntry> entries, List<String> payloads,
                                   Map<String, TrailAppender.Tip> tips, Instant receivedAt) {
        List<StoredEvent> rows = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            AuditEntry entry = entries.get(i);
            TrailAppender.Tip tip = tips.get(entry.tenantId());
            long seq = tip.seq() + 1;
            String hash = HashChain.hash(tip.hash(), seq, entry.eventId(), entry.type(), entry.schemaVersion(),
                    entry.occurredAt(), entry.tenantId(), entry.correlationId(), entry.userId(), entry.topic(),
                    entry.partition(), entry.offset(), receivedAt, payloads.get(i));
            rows.add(new StoredEvent(entry.eventId(), entry.type(), entry.schemaVersion(), entry.occurredAt(),
                    entry.tenantId(), entry.correlationId(), entry.userId(), entry.topic(), entry.partition(),
                    entry.offset(), receivedAt, seq, entry.payload(), tip.hash(), hash));
            tips.put(entry.tenantId(), new TrailAppender.Tip(seq, hash));
        }
        return rows;
    }

    /** A head was not the tip the rows were hashed on, or an id was stored before: nothing was written. */
    static final class TipMoved extends RuntimeException {
        TipMoved() {
            super("a chain head moved or an event id was stored before", null, false, false);
        }
    }

    private static final String ROWS = "INSERT INTO audit_event (event_id, tenant_id, chain_seq, type,"
            + " schema_version, occurred_at, correlation_id, user_id, topic, \"partition\", \"offset\", received_at,"
            + " payload, prev_hash, hash)"
            + " SELECT r.e, r.t, r.s, r.ty, r.v, r.o, r.c, r.u, r.tp, r.p, r.off, $12::timestamptz, r.pl::jsonb, r.ph, r.h"
            + " FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::text[], $5::int4[], $6::timestamptz[], $7::text[],"
            + " $8::text[], $9::text[], $10::int4[], $11::int8[], $13::text[], $14::text[], $15::text[])"
            + " AS r(e, t, s, ty, v, o, c, u, tp, p, off, pl, ph, h)";
    private static final String HEADS = "UPDATE audit_chain_head h SET last_seq = n.s, last_hash = n.hash,"
            + " updated_at = $12::timestamptz FROM unnest($16::text[], $17::int8[], $18::text[]) AS n(t, s, hash)"
            + " WHERE h.tenant_id = n.t";
    // NOTIFY is transactional: delivered only if these rows are committed
    private static final String NOTICES = "SELECT pg_notify('" + StoredEventBroadcast.CHANNEL + "', m)"
            + " FROM unnest($19::text[]) AS m";

    // On known tips, in one statement and so one round trip, outside any explicit transaction: lock the heads in
    // tenant order (as the other path does) and compare each with the tip the rows were hashed on ($20, $21). A
    // moved tip writes nothing and answers fits = false. Otherwise claim the ids in id order; rows and heads are
    // written only when every id was claimed, and an id stored before makes audit_expect raise, which undoes the
    // claims made.
    private static final String WRITE_ON_TIPS = "WITH locked AS (SELECT tenant_id, last_seq, last_hash"
            + " FROM audit_chain_head WHERE tenant_id = ANY($16::text[]) ORDER BY tenant_id FOR UPDATE),"
            + " tips_hold AS (SELECT count(*) = cardinality($16::text[]) AS ok FROM locked l"
            + " JOIN unnest($16::text[], $20::int8[], $21::text[]) AS x(t, s, hash)"
            + " ON x.t = l.tenant_id AND x.s = l.last_seq AND x.hash = l.last_hash),"
            + " claimed AS (INSERT INTO audit_event_id (event_id, tenant_id, received_at)"
            + " SELECT c.e, c.t, $12::timestamptz FROM unnest($1::uuid[], $2::text[]) AS c(e, t)"
            + " WHERE (SELECT ok FROM tips_hold) ORDER BY c.e ON CONFLICT (event_id) DO NOTHING RETURNING 1),"
            + " fits AS (SELECT CASE WHEN (SELECT ok FROM tips_hold)"
            + " THEN audit_expect(count(*) = cardinality($1::uuid[])) ELSE false END AS ok FROM claimed),"
            + " new_rows AS (" + ROWS + " WHERE (SELECT ok FROM fits) RETURNING 1),"
            + " new_heads AS (" + HEADS + " AND (SELECT ok FROM fits) RETURNING 1)"
            + " SELECT (SELECT ok FROM fits) AS fits, (SELECT count(*) FROM new_rows) AS stored,"
            + " (SELECT count(*) FROM new_heads) AS heads,"
            + " (SELECT count(*) FROM (" + NOTICES + " WHERE (SELECT ok FROM fits)) notices) AS notices";
    /** The SQLSTATE audit_expect raises. */
    private static final String TIP_MOVED = "KA001";

    Uni<List<StoredEvent>> writeOnTips(TrailAppender.Batch batch, List<StoredEvent> rows,
                                             Map<String, TrailAppender.Tip> before, OffsetDateTime receivedAt) {
        RowParams params = rowParams(rows, batch.payloads(), receivedAt);
        String[] headTenants = params.headTenants();
        Long[] beforeSeqs = new Long[headTenants.length];
        String[] beforeHashes = new String[headTenants.length];
        for (int i = 0; i < headTenants.length; i++) {
            TrailAppender.Tip tip = before.get(headTenants[i]);
            beforeSeqs[i] = tip.seq();
            beforeHashes[i] = tip.hash();
        }
        List<Object> values = new ArrayList<>(params.values());
        values.add(beforeSeqs);
        values.add(beforeHashes);
        return pool.preparedQuery(WRITE_ON_TIPS).execute(Tuple.tuple(values))
                .onFailure(e -> e instanceof PgException pg && TIP_MOVED.equals(pg.getSqlState()))
                .transform(e -> new TipMoved())
                .map(result -> {
                    Row row = result.iterator().next();
                    if (!row.getBoolean(0)) {
                        throw new TipMoved();
                    }
                    check(row.getLong(1), rows.size(), row.getLong(2), headTenants.length);
                    return rows;
                });
    }

    private static void check(long stored, int rows, long heads, int tenants) {
        if (stored != rows || heads != tenants) {
            throw new IllegalStateException("wrote " + stored + " audit rows of " + rows + " and " + heads
                    + " chain heads of " + tenants);
        }
    }

    private static final String LOCK_HEADS = "SELECT tenant_id, last_seq, last_hash FROM audit_chain_head"
            + " WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id FOR UPDATE";
    private static final String CREATE_HEADS = "INSERT INTO audit_chain_head (tenant_id, last_seq, last_hash, updated_at)"
            + " SELECT t, 0, $2, now() FROM unnest($1::text[]) AS t ORDER BY t ON CONFLICT (tenant_id) DO NOTHING";
    // ids sorted, so that two instances claiming overlapping batches lock the ids in the same order
    private static final String CLAIM = "INSERT INTO audit_event_id (event_id, tenant_id, received_at)"
            + " SELECT c.e, c.t, $3::timestamptz FROM unnest($1::uuid[], $2::text[]) AS c(e, t) ORDER BY c.e"
            + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id";
    private static final String WRITE = "WITH new_rows AS (" + ROWS + " RETURNING 1), new_heads AS (" + HEADS
            + " RETURNING 1) SELECT (SELECT count(*) FROM new_rows) AS stored, (SELECT count(*) FROM new_heads) AS heads,"
            + " (SELECT count(*) FROM (" + NOTICES + ") notices) AS notices";

    /**
     * Under the locks, in three statements: lock the heads, claim the ids, then rows, heads and the live-stream
     * notice in one. {@code heads} receives every tenant's tip after the batch.
     */
    Uni<List<StoredEvent>> appendUnderLocks(SqlConnection connection, TrailAppender.Batch batch,
                                            Map<String, TrailAppender.Tip> heads) {
        TreeSet<String> tenants = new TreeSet<>(batch.tenants());
        List<AuditEntry> sorted = new ArrayList<>(batch.entries());
        sorted.sort(Comparator.comparing(AuditEntry::eventId));
        UUID[] ids = new UUID[sorted.size()];
        String[] idTenants = new String[sorted.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = sorted.get(i).eventId();
            idTenants[i] = sorted.get(i).tenantId();
        }
        return connection.preparedQuery(LOCK_HEADS).execute(Tuple.of(tenants.toArray(String[]::new)))
                .chain(locked -> createMissingHeads(connection, tenants, tips(locked)))
                .chain(locked -> {
                    heads.putAll(locked);
                    // taken under the heads' locks, so that a tenant's rows are received in chain order
                    Instant receivedAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    OffsetDateTime receivedAtColumn = receivedAt.atOffset(ZoneOffset.UTC);
                    return connection.preparedQuery(CLAIM).execute(Tuple.of(ids, idTenants, receivedAtColumn))
                            .chain(claim -> {
                                Set<UUID> claimed = new HashSet<>();
                                for (Row row : claim) {
                                    claimed.add(row.getUUID(0));
                                }
                                List<AuditEntry> entries = new ArrayList<>(claimed.size());
                                List<String> payloads = new ArrayList<>(claimed.size());
                                for (int i = 0; i < batch.entries().size(); i++) {
                                    if (claimed.contains(batch.entries().get(i).eventId())) {
                                        entries.add(batch.entries().get(i));
                                        payloads.add(batch.payloads().get(i));
                                    }
                                }
                                List<StoredEvent> rows = chain(entries, payloads, heads, receivedAt);
                                return write(connection, rows, payloads, receivedAtColumn);
                            });
                });
    }

    private static Map<String, TrailAppender.Tip> tips(RowSet<Row> rows) {
        Map<String, TrailAppender.Tip> heads = new HashMap<>();
        for (Row row : rows) {
            heads.put(row.getString(0), new TrailAppender.Tip(row.getLong(1), row.getString(2)));
        }
        return heads;
    }

    /** A tenant's first batch creates its head (a concurrent first batch of another instance is waited for). */
    private Uni<Map<String, TrailAppender.Tip>> createMissingHeads(SqlConnection connection, TreeSet<String> tenants,
                                                    Map<String, TrailAppender.Tip> heads) {
        if (heads.size() == tenants.size()) {
            return Uni.createFrom().item(heads);
        }
        String[] missing = tenants.stream().filter(t -> !heads.containsKey(t)).toArray(String[]::new);
        return connection.preparedQuery(CREATE_HEADS).execute(Tuple.of(missing, HashChain.GENESIS))
                .chain(() -> connection.preparedQuery(LOCK_HEADS).execute(Tuple.of((Object) missing)))
                .map(rows -> {
                    heads.putAll(tips(rows));
                    return heads;
                });
    }

    private Uni<List<StoredEvent>> write(SqlConnection connection, List<StoredEvent> rows, List<String> payloads,
                                        OffsetDateTime receivedAt) {
        if (rows.isEmpty()) {
            return Uni.createFrom().item(rows);
        }
        RowParams params = rowParams(rows, payloads, receivedAt);
        return connection.preparedQuery(WRITE).execute(Tuple.tuple(params.values())).map(result -> {
            Row row = result.iterator().next();
            check(row.getLong(0), rows.size(), row.getLong(1), params.headTenants().length);
            return rows;
        });
    }

    /**
     * The parameters $1..$19 shared by both writes: the rows' columns as arrays ($1..$15, the received-at time as
     * $12), each tenant's new head ($16..$18) and the live-stream notices ($19); {@code headTenants} is $16, the
     * order in which the heads are written.
     */
    private record RowParams(List<Object> values, String[] headTenants) {
    }

    private RowParams rowParams(List<StoredEvent> rows, List<String> payloads, OffsetDateTime receivedAt) {
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
        Map<String, StoredEvent> lastOfTenant = new LinkedHashMap<>();
        Map<String, Long> firstOfTenant = new HashMap<>();
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
            lastOfTenant.put(row.tenantId(), row);
            firstOfTenant.putIfAbsent(row.tenantId(), row.chainSeq());
        }
        int t = lastOfTenant.size();
        String[] headTenants = new String[t];
        Long[] headSeqs = new Long[t];
        String[] headHashes = new String[t];
        List<String> notices = new ArrayList<>(t);
        int i = 0;
        for (StoredEvent last : lastOfTenant.values()) {
            headTenants[i] = last.tenantId();
            headSeqs[i] = last.chainSeq();
            headHashes[i] = last.hash();
            i++;
            String notice = StoredEventBroadcast.notification(mapper, last.tenantId(),
                    firstOfTenant.get(last.tenantId()), last.chainSeq());
            if (notice.length() <= 7000) { // NOTIFY carries at most 8000 bytes; such a tenant id is not streamed live
                notices.add(notice);
            }
        }
        return new RowParams(List.of(eventIds, tenantIds, seqs, types, versions, occurred, correlations, users,
                topics, partitions, offsets, receivedAt, payloads.toArray(String[]::new), prevHashes, hashes,
                headTenants, headSeqs, headHashes, notices.toArray(String[]::new)), headTenants);
    }
}
