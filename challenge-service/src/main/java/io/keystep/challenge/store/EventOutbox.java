package io.keystep.challenge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * The relay's side of {@code event_outbox} (rows are added as {@link OutboxEvent} entities in the transaction of
 * their change): the oldest pending rows, taken under a transaction-scoped advisory lock so that one replica relays
 * at a time and the topic keeps the rows' order; marking sent; the backlog; purging sent rows. On the reactive
 * pool, which any thread may use: the relay continues on Kafka's acknowledgement threads.
 */
@ApplicationScoped
public class EventOutbox {

    /** The advisory lock of the relay (an arbitrary constant, unique in this database). */
    private static final long RELAY_LOCK = 0x6b65797374657001L;

    private static final String PENDING = "SELECT id, event_id, topic, record_key, payload, headers FROM event_outbox"
            + " WHERE sent_at IS NULL ORDER BY id LIMIT $1";
    private static final String MARK_SENT = "UPDATE event_outbox SET sent_at = $1, attempts = attempts + 1"
            + " WHERE id = ANY($2)";
    private static final String MARK_FAILED = "UPDATE event_outbox SET attempts = attempts + 1 WHERE id = ANY($1)";
    private static final String BACKLOG = "SELECT count(*) AS pending, min(created_at) AS oldest FROM event_outbox"
            + " WHERE sent_at IS NULL";
    private static final String PURGE = "DELETE FROM event_outbox WHERE sent_at < $1";
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    /** A row waiting to be published. */
    public record Pending(long id, UUID eventId, String topic, String key, String payload,
                          Map<String, String> headers) {
    }

    /** What one relay pass did with the rows it took: those Kafka acknowledged and those that failed. */
    public record Relayed(List<Long> sent, List<Long> failed) {
    }

    /** How many rows wait and since when the oldest waits (empty when none). */
    public record Backlog(long pending, Optional<Instant> oldest) {
    }

    private final Pool pool;
    private final ObjectMapper mapper;

    public EventOutbox(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** Headers as the JSON the row keeps. */
    public String headersJson(Map<String, String> headers) {
        try {
            return mapper.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox headers are not serialisable", e);
        }
    }

    /**
     * Takes up to {@code limit} of the oldest pending rows and lets {@code publish} send them, holding the relay lock
     * until the rows it answers are marked (sent ones with {@code now}). Answers empty when another relay holds the
     * lock.
     */
    public Uni<Optional<Relayed>> relay(int limit, Instant now, Function<List<Pending>, Uni<Relayed>> publish) {
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_try_advisory_xact_lock($1) AS locked")
                .execute(Tuple.of(RELAY_LOCK))
                .chain(locked -> !locked.iterator().next().getBoolean("locked")
                        ? Uni.createFrom().item(Optional.<Relayed>empty())
                        : conn.preparedQuery(PENDING).execute(Tuple.of(limit))
                                .map(rows -> {
                                    List<Pending> pending = new ArrayList<>();
                                    rows.forEach(row -> pending.add(pending(row)));
                                    return pending;
                                })
                                .chain(pending -> pending.isEmpty()
                                        ? Uni.createFrom().item(new Relayed(List.of(), List.of()))
                                        : publish.apply(pending))
                                .chain(relayed -> mark(conn, relayed, now).replaceWith(Optional.of(relayed)))));
    }

    private Uni<Void> mark(SqlConnection conn, Relayed relayed, Instant now) {
        Uni<Void> sent = relayed.sent().isEmpty() ? Uni.createFrom().voidItem()
                : conn.preparedQuery(MARK_SENT).execute(Tuple.of(utc(now), relayed.sent().toArray(Long[]::new)))
                .replaceWithVoid();
        return sent.chain(() -> relayed.failed().isEmpty() ? Uni.createFrom().voidItem()
                : conn.preparedQuery(MARK_FAILED).execute(Tuple.of(relayed.failed().toArray(Long[]::new)))
                .replaceWithVoid());
    }

    /** The rows waiting and the oldest one's creation. */
    public Uni<Backlog> backlog() {
        return pool.query(BACKLOG).execute().map(rows -> {
            Row row = rows.iterator().next();
            OffsetDateTime oldest = row.getOffsetDateTime("oldest");
            return new Backlog(row.getLong("pending"), Optional.ofNullable(oldest).map(OffsetDateTime::toInstant));
        });
    }

    /** Deletes the rows sent before {@code cutoff}; answers how many. */
    public Uni<Integer> purgeSentBefore(Instant cutoff) {
        return pool.preparedQuery(PURGE).execute(Tuple.of(utc(cutoff))).map(rows -> rows.rowCount());
    }

    private Pending pending(Row row) {
        Map<String, String> headers;
        try {
            headers = mapper.readValue(row.getString("headers"), HEADERS);
        } catch (JsonProcessingException e) {
            // Written by this service from a Map: unreadable only if the row was altered; sent without headers.
            headers = Map.of();
        }
        return new Pending(row.getLong("id"), row.getUUID("event_id"), row.getString("topic"),
                row.getString("record_key"), row.getString("payload"), headers);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
