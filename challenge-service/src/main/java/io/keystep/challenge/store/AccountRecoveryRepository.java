package io.keystep.challenge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

/**
 * Account recoveries and each tenant's recovery delay. Every transition is one conditional statement, so that two
 * concurrent requests (an approval and a cancellation, two enrollments claiming one recovery) cannot both win.
 */
@ApplicationScoped
public class AccountRecoveryRepository {

    /** An account recovery as stored. */
    public record Recovery(UUID id, String tenantId, String userId, String status, String ticket, String openedBy,
                           Instant openedAt, String approvedBy, Instant approvedAt, Instant maturesAt,
                           Instant expiresAt, String closedBy, Instant closedAt) {
    }

    private static final String COLUMNS = "id, tenant_id, user_id, status, ticket, opened_by, opened_at, approved_by,"
            + " approved_at, matures_at, expires_at, closed_by, closed_at";

    private final Pool pool;

    public AccountRecoveryRepository(Pool pool) {
        this.pool = pool;
    }

    /** Opens a recovery awaiting approval; empty when the user already has an open one. */
    public Uni<Optional<Recovery>> open(String tenantId, String userId, String ticket, String openedBy, Instant now,
                                        Instant approveBy) {
        // A recovery left unapproved or unused past its time closes first, so that it cannot block a new one.
        Uni<Void> lapsed = pool.preparedQuery("UPDATE account_recovery SET status = 'CANCELED', closed_by = 'lapsed',"
                        + " closed_at = $3 WHERE tenant_id = $1 AND user_id = $2"
                        + " AND status IN ('AWAITING_APPROVAL', 'WAITING') AND expires_at <= $3")
                .execute(Tuple.of(tenantId, userId, at(now))).replaceWithVoid();
        return lapsed.chain(() -> pool.preparedQuery("INSERT INTO account_recovery (id, tenant_id, user_id, status, ticket, opened_by,"
                        + " opened_at, expires_at) VALUES ($1, $2, $3, 'AWAITING_APPROVAL', $4, $5, $6, $7)"
                        + " ON CONFLICT DO NOTHING RETURNING " + COLUMNS)
                .execute(Tuple.of(UUID.randomUUID(), tenantId, userId, ticket, openedBy, at(now)).addValue(at(approveBy)))
                .map(AccountRecoveryRepository::first));
    }

    public Uni<Optional<Recovery>> find(String tenantId, String userId, UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM account_recovery WHERE id = $1 AND tenant_id = $2"
                        + " AND user_id = $3")
                .execute(Tuple.of(id, tenantId, userId)).map(AccountRecoveryRepository::first);
    }

    /** The user's open recoveries (awaiting approval or waiting; at most one), lapsed ones included. */
    public Uni<java.util.List<Recovery>> openOf(String tenantId, String userId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM account_recovery WHERE tenant_id = $1 AND user_id = $2"
                        + " AND status IN ('AWAITING_APPROVAL', 'WAITING') ORDER BY opened_at")
                .execute(Tuple.of(tenantId, userId)).map(rows -> {
                    java.util.List<Recovery> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(recovery(r)));
                    return out;
                });
    }

    /**
     * Approves a recovery awaiting approval, by someone other than who opened it, before it lapsed: it then
     * matures at {@code maturesAt} and may be used until {@code useBy}. Empty when no such recovery.
     */
    public Uni<Optional<Recovery>> approve(String tenantId, String userId, UUID id, String approvedBy, Instant now,
                                           Instant maturesAt, Instant useBy) {
        return pool.preparedQuery("UPDATE account_recovery SET status = 'WAITING', approved_by = $4,"
                        + " approved_at = $5, matures_at = $6, expires_at = $7 WHERE id = $1 AND tenant_id = $2"
                        + " AND user_id = $3 AND status = 'AWAITING_APPROVAL' AND opened_by <> $4 AND expires_at > $5"
                        + " RETURNING " + COLUMNS)
                .execute(Tuple.of(id, tenantId, userId, approvedBy, at(now)).addValue(at(maturesAt))
                        .addValue(at(useBy)))
                .map(AccountRecoveryRepository::first);
    }

    /** Cancels an open recovery; empty when it is not open. */
    public Uni<Optional<Recovery>> cancel(String tenantId, String userId, UUID id, String closedBy, Instant now) {
        return pool.preparedQuery("UPDATE account_recovery SET status = 'CANCELED', closed_by = $4, closed_at = $5"
                        + " WHERE id = $1 AND tenant_id = $2 AND user_id = $3"
                        + " AND status IN ('AWAITING_APPROVAL', 'WAITING') RETURNING " + COLUMNS)
                .execute(Tuple.of(id, tenantId, userId, closedBy, at(now)))
                .map(AccountRecoveryRepository::first);
    }

    /** Uses the user's matured, unexpired recovery for one enrollment; empty when there is none. */
    public Uni<Optional<Recovery>> use(String tenantId, String userId, String usedFor, Instant now) {
        return pool.preparedQuery("UPDATE account_recovery SET status = 'USED', closed_by = $3, closed_at = $4"
                        + " WHERE tenant_id = $1 AND user_id = $2 AND status = 'WAITING' AND matures_at <= $4"
                        + " AND expires_at > $4 RETURNING " + COLUMNS)
                .execute(Tuple.of(tenantId, userId, usedFor, at(now)))
                .map(AccountRecoveryRepository::first);
    }

    /** The tenant's delay between approval and use, if it set one. */
    public Uni<Optional<Duration>> delayOf(String tenantId) {
        return pool.preparedQuery("SELECT delay_seconds FROM tenant_recovery_settings WHERE tenant_id = $1")
                .execute(Tuple.of(tenantId)).map(rows -> {
                    var it = rows.iterator();
                    return it.hasNext() ? Optional.of(Duration.ofSeconds(it.next().getLong(0)))
                            : Optional.<Duration>empty();
                });
    }

    public Uni<Void> setDelay(String tenantId, Duration delay, String by, Instant now) {
        return pool.preparedQuery("INSERT INTO tenant_recovery_settings (tenant_id, delay_seconds, updated_by,"
                        + " updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE SET"
                        + " delay_seconds = EXCLUDED.delay_seconds, updated_by = EXCLUDED.updated_by,"
                        + " updated_at = EXCLUDED.updated_at")
                .execute(Tuple.of(tenantId, delay.toSeconds(), by, at(now))).replaceWithVoid();
    }

    private static OffsetDateTime at(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    private static Optional<Recovery> first(RowSet<Row> rows) {
        var it = rows.iterator();
        if (!it.hasNext()) {
            return Optional.empty();
        }
        return Optional.of(recovery(it.next()));
    }

    private static Recovery recovery(Row r) {
        return new Recovery(r.getUUID("id"), r.getString("tenant_id"), r.getString("user_id"),
                r.getString("status"), r.getString("ticket"), r.getString("opened_by"), instant(r, "opened_at"),
                r.getString("approved_by"), instant(r, "approved_at"), instant(r, "matures_at"),
                instant(r, "expires_at"), r.getString("closed_by"), instant(r, "closed_at"));
    }
}
