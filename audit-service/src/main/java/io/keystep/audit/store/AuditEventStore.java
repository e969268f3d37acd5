package io.keystep.audit.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.EventQuery;
import io.keystep.audit.domain.StoredEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import org.hibernate.reactive.mutiny.Mutiny;

import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audit trail in PostgreSQL, through Hibernate Reactive: its monthly partitions, and the queries, which read
 * pages so that no request holds more than one page. Ingest appends through {@link TrailAppender}.
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
    private final Set<YearMonth> partitionsKnown = ConcurrentHashMap.newKeySet();

    public AuditEventStore(Mutiny.SessionFactory sessions, Pool pool, ObjectMapper mapper) {
        this.sessions = sessions;
        this.pool = pool;
        this.mapper = mapper;
    }

    static String iso(String column) {
        return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    }

    /**
     * Creates the month's partition when it does not exist yet, through the database's {@code audit_create_partition}
     * (the service's role runs no DDL). Its own short statement, because creating a partition locks the parent
     * table; once per month and instance.
     */
    public Uni<Void> ensurePartition(YearMonth month) {
        if (partitionsKnown.contains(month)) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("SELECT audit_create_partition($1)").execute(Tuple.of(month.atDay(1)))
                .invoke(() -> partitionsKnown.add(month))
                .replaceWithVoid();
    }

    /** The name of a month's partition, {@code audit_event_yYYYYmMM}, which sorts by month. */
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
        if (query.text() != null) {
            params.add("%" + likeLiteral(query.text()) + "%");
            int p = params.size();
            sql.append(" AND (type ILIKE ?").append(p).append(" ESCAPE '\\' OR CAST(payload AS text) ILIKE ?")
                    .append(p).append(" ESCAPE '\\')");
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

    /** Text matched literally by LIKE: its wildcards and the escape character escaped. */
    static String likeLiteral(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    /** The tenant's row of this event id, or null when the tenant has none (whether or not another tenant has). */
    public Uni<StoredEvent> event(String tenantId, UUID eventId) {
        return select("SELECT " + COLUMNS + " FROM audit_event WHERE tenant_id = ?1"
                + " AND event_id = CAST(CAST(?2 AS text) AS uuid)", List.of(tenantId, eventId.toString()))
                .map(rows -> rows.isEmpty() ? null : rows.get(0));
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
}
