package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads and writes enrolled phone numbers. Reads and the enrollment itself are single keyed statements on the
 * reactive PostgreSQL pool (the one Hibernate Reactive uses): every challenged login looks its user's phone up, and
 * a session, an HQL translation and a managed entity per lookup cost more than the query.
 */
@ApplicationScoped
public class PhoneEnrollmentRepository {

    private static final String BY_USER = "SELECT id, tenant_id, user_id, phone_number, enrolled_at, updated_at"
            + " FROM phone_enrollment WHERE tenant_id = $1 AND user_id = $2";
    // One statement, so that two concurrent enrollments of one user cannot collide on the unique key; it answers
    // the row as it stands after it (a replaced number keeps its enrollment's id).
    private static final String ENROLL = """
            INSERT INTO phone_enrollment (id, tenant_id, user_id, phone_number, enrolled_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $5)
            ON CONFLICT (tenant_id, user_id)
            DO UPDATE SET phone_number = EXCLUDED.phone_number, updated_at = EXCLUDED.updated_at
            RETURNING id, tenant_id, user_id, phone_number, enrolled_at, updated_at
            """;

    private final Pool pool;

    public PhoneEnrollmentRepository(Pool pool) {
        this.pool = pool;
    }

    /** The user's enrolled number (E.164), if any. */
    public Uni<Optional<String>> phoneOf(String tenantId, String userId) {
        return enrollmentOf(tenantId, userId).map(e -> e.map(p -> p.phoneNumber));
    }

    /** The user's enrollment (its id is the phone's factor id), if any; a detached copy of the row. */
    public Uni<Optional<PhoneEnrollment>> enrollmentOf(String tenantId, String userId) {
        return pool.preparedQuery(BY_USER).execute(Tuple.of(tenantId, userId)).map(PhoneEnrollmentRepository::first);
    }

    /** Removes the user's phone; false when {@code id} is not (or no longer) the user's enrollment. */
    public Uni<Boolean> delete(String tenantId, String userId, UUID id) {
        return Panache.withTransaction(() -> PhoneEnrollment.delete("id = ?1 and tenantId = ?2 and userId = ?3",
                id, tenantId, userId)).map(n -> n == 1);
    }

    /** Enrolls the number, replacing an earlier one; answers the enrollment as it stands after. */
    public Uni<PhoneEnrollment> enroll(String tenantId, String userId, String e164, Instant now) {
        return pool.preparedQuery(ENROLL)
                .execute(Tuple.of(UUID.randomUUID(), tenantId, userId, e164,
                        now.atOffset(java.time.ZoneOffset.UTC)))
                .map(rows -> first(rows).orElseThrow(() -> new IllegalStateException("enrollment not written")));
    }

    private static Optional<PhoneEnrollment> first(RowSet<Row> rows) {
        RowIterator<Row> it = rows.iterator();
        if (!it.hasNext()) {
            return Optional.empty();
        }
        Row row = it.next();
        PhoneEnrollment e = new PhoneEnrollment();
        e.id = row.getUUID("id");
        e.tenantId = row.getString("tenant_id");
        e.userId = row.getString("user_id");
        e.phoneNumber = row.getString("phone_number");
        e.enrolledAt = instant(row, "enrolled_at");
        e.updatedAt = instant(row, "updated_at");
        return Optional.of(e);
    }

    private static Instant instant(Row row, String column) {
        Object value = row.getValue(column);
        if (value instanceof java.time.OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof java.time.LocalDateTime ldt) {
            return ldt.toInstant(java.time.ZoneOffset.UTC);
        }
        return null;
    }
}
