package io.keystep.challenge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Each tenant's enrollment-nudge policy and each user's phone logins, nudges and dismissals. */
@ApplicationScoped
public class EnrollmentNudgeRepository {

    /** A tenant's policy as stored; {@code factors} as the API names them. */
    public record Policy(boolean enabled, int afterLogins, int afterDays, int askAgainDays, List<String> factors) {
    }

    /** A user's state after counting one more phone login. */
    public record UserState(int phoneLogins, Instant firstPhoneLoginAt, Instant lastShownAt, Instant dismissedAt) {
    }

    private final Pool pool;

    public EnrollmentNudgeRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Optional<Policy>> policyOf(String tenantId) {
        return pool.preparedQuery("SELECT enabled, after_logins, after_days, ask_again_days, factors"
                        + " FROM tenant_nudge_settings WHERE tenant_id = $1")
                .execute(Tuple.of(tenantId)).map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return Optional.<Policy>empty();
                    }
                    Row r = it.next();
                    return Optional.of(new Policy(r.getBoolean(0), r.getInteger(1), r.getInteger(2), r.getInteger(3),
                            Arrays.asList(r.getString(4).split(","))));
                });
    }

    public Uni<Void> setPolicy(String tenantId, Policy policy, String by, Instant now) {
        return pool.preparedQuery("INSERT INTO tenant_nudge_settings (tenant_id, enabled, after_logins, after_days,"
                        + " ask_again_days, factors, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                        + " ON CONFLICT (tenant_id) DO UPDATE SET enabled = EXCLUDED.enabled,"
                        + " after_logins = EXCLUDED.after_logins, after_days = EXCLUDED.after_days,"
                        + " ask_again_days = EXCLUDED.ask_again_days, factors = EXCLUDED.factors,"
                        + " updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at")
                .execute(Tuple.of(tenantId, policy.enabled(), policy.afterLogins(), policy.afterDays(),
                        policy.askAgainDays(), String.join(",", policy.factors())).addValue(by).addValue(at(now)))
                .replaceWithVoid();
    }

    /** Counts one more login approved on the phone (atomically) and answers the user's state after it. */
    public Uni<UserState> countPhoneLogin(String tenantId, String userId, Instant now) {
        return pool.preparedQuery("INSERT INTO enrollment_nudge (tenant_id, user_id, phone_logins,"
                        + " first_phone_login_at) VALUES ($1, $2, 1, $3) ON CONFLICT (tenant_id, user_id) DO UPDATE"
                        + " SET phone_logins = enrollment_nudge.phone_logins + 1"
                        + " RETURNING phone_logins, first_phone_login_at, last_shown_at, dismissed_at")
                .execute(Tuple.of(tenantId, userId, at(now)))
                .map(rows -> state(rows).orElseThrow());
    }

    public Uni<Void> shown(String tenantId, String userId, Instant now) {
        return pool.preparedQuery("UPDATE enrollment_nudge SET last_shown_at = $3 WHERE tenant_id = $1"
                        + " AND user_id = $2")
                .execute(Tuple.of(tenantId, userId, at(now))).replaceWithVoid();
    }

    /** Records a dismissal; false when the user was never shown a nudge. */
    public Uni<Boolean> dismiss(String tenantId, String userId, Instant now) {
        return pool.preparedQuery("UPDATE enrollment_nudge SET dismissed_at = $3 WHERE tenant_id = $1"
                        + " AND user_id = $2 AND last_shown_at IS NOT NULL")
                .execute(Tuple.of(tenantId, userId, at(now))).map(rows -> rows.rowCount() == 1);
    }

    /** When the user was last shown a nudge, if ever. */
    public Uni<Optional<Instant>> lastShown(String tenantId, String userId) {
        return pool.preparedQuery("SELECT phone_logins, first_phone_login_at, last_shown_at, dismissed_at"
                        + " FROM enrollment_nudge WHERE tenant_id = $1 AND user_id = $2")
                .execute(Tuple.of(tenantId, userId))
                .map(rows -> state(rows).map(UserState::lastShownAt));
    }

    private static Optional<UserState> state(RowSet<Row> rows) {
        var it = rows.iterator();
        if (!it.hasNext()) {
            return Optional.empty();
        }
        Row r = it.next();
        return Optional.of(new UserState(r.getInteger(0), instant(r, 1), instant(r, 2), instant(r, 3)));
    }

    private static OffsetDateTime at(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Row row, int column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }
}
