package io.keystep.challenge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a login may be challenged on, read in one round trip: the user's active authenticators (a paired device only
 * while its push token works, with where its pushes go), enrolled phone and count of unused recovery codes. Every
 * challenged login reads it, so it is one statement rather than three.
 */
@ApplicationScoped
public class LoginFactorRows {

    /** The user's factors as a login sees them; authenticators carry only what choosing among them needs. */
    public record Snapshot(List<AuthFactor> authenticators, Optional<String> phone, int recoveryCodesLeft,
                           java.util.Map<java.util.UUID, String> pushDestinations) {

        public Snapshot(List<AuthFactor> authenticators, Optional<String> phone, int recoveryCodesLeft) {
            this(authenticators, phone, recoveryCodesLeft, java.util.Map.of());
        }
    }

    private static final String QUERY = "SELECT f.kind, f.id, f.preferred, COALESCE(f.digits, 0) AS digits,"
            + " f.activated_at, f.created_at, f.label, d.platform || ':' || d.push_token AS push,"
            + " NULL AS phone, 0::bigint AS codes FROM auth_factor f LEFT JOIN push_device d ON d.factor_id = f.id"
            + " WHERE f.tenant_id = $1 AND f.user_id = $2 AND f.status = 'ACTIVE'"
            + " AND (f.kind <> 'PUSH' OR d.token_state = 'active')"
            + " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, p.phone_number, 0"
            + " FROM phone_enrollment p WHERE p.tenant_id = $1 AND p.user_id = $2"
            + " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*) FROM recovery_code r"
            + " WHERE r.tenant_id = $1 AND r.user_id = $2 AND r.used_at IS NULL";

    private final Pool pool;

    public LoginFactorRows(Pool pool) {
        this.pool = pool;
    }

    public Uni<Snapshot> of(String tenantId, String userId) {
        return pool.preparedQuery(QUERY).execute(Tuple.of(tenantId, userId)).map(rows -> {
            List<AuthFactor> authenticators = new ArrayList<>();
            java.util.Map<java.util.UUID, String> pushes = new java.util.HashMap<>();
            String phone = null;
            int codes = 0;
            for (Row r : rows) {
                if (r.getString("kind") != null) {
                    AuthFactor f = new AuthFactor();
                    f.tenantId = tenantId;
                    f.userId = userId;
                    f.kind = r.getString("kind");
                    f.id = r.getUUID("id");
                    f.status = "ACTIVE";
                    f.preferred = Boolean.TRUE.equals(r.getBoolean("preferred"));
                    f.digits = r.getInteger("digits");
                    f.activatedAt = instant(r.getOffsetDateTime("activated_at"));
                    f.createdAt = instant(r.getOffsetDateTime("created_at"));
                    f.label = r.getString("label");
                    if (r.getString("push") != null) {
                        pushes.put(f.id, r.getString("push"));
                    }
                    authenticators.add(f);
                } else if (r.getString("phone") != null) {
                    phone = r.getString("phone");
                } else {
                    codes = r.getLong("codes").intValue();
                }
            }
            return new Snapshot(List.copyOf(authenticators), Optional.ofNullable(phone), codes, Map.copyOf(pushes));
        });
    }

    private static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }
}
