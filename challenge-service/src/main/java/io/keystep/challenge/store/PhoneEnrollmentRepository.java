package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Reads and writes enrolled phone numbers. */
@ApplicationScoped
public class PhoneEnrollmentRepository {

    /** The user's enrolled number (E.164), if any. Opens its own session: callers include Kafka consumers. */
    public Uni<Optional<String>> phoneOf(String tenantId, String userId) {
        return Panache.withSession(() -> PhoneEnrollment
                .<PhoneEnrollment>find("tenantId = ?1 and userId = ?2", tenantId, userId)
                .firstResult()
                .map(e -> Optional.ofNullable(e).map(p -> p.phoneNumber)));
    }

    /** The user's enrollment (its id is the phone's factor id), if any. */
    public Uni<Optional<PhoneEnrollment>> enrollmentOf(String tenantId, String userId) {
        return Panache.withSession(() -> PhoneEnrollment
                .<PhoneEnrollment>find("tenantId = ?1 and userId = ?2", tenantId, userId)
                .firstResult()
                .map(Optional::ofNullable));
    }

    /** Removes the user's phone; false when {@code id} is not (or no longer) the user's enrollment. */
    public Uni<Boolean> delete(String tenantId, String userId, UUID id) {
        return Panache.withTransaction(() -> PhoneEnrollment.delete("id = ?1 and tenantId = ?2 and userId = ?3",
                id, tenantId, userId)).map(n -> n == 1);
    }

    /** Enrolls the number, replacing an earlier one. */
    public Uni<Void> enroll(String tenantId, String userId, String e164, Instant now) {
        // One statement, so that two concurrent enrollments of one user cannot collide on the unique key.
        return Panache.withTransaction(() -> Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        INSERT INTO phone_enrollment (id, tenant_id, user_id, phone_number, enrolled_at, updated_at)
                        VALUES (:id, :tenant, :user, :phone, :now, :now)
                        ON CONFLICT (tenant_id, user_id)
                        DO UPDATE SET phone_number = EXCLUDED.phone_number, updated_at = EXCLUDED.updated_at
                        """)
                .setParameter("id", UUID.randomUUID())
                .setParameter("tenant", tenantId)
                .setParameter("user", userId)
                .setParameter("phone", e164)
                .setParameter("now", now)
                .executeUpdate())).replaceWithVoid();
    }
}
