package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reads and writes authenticator factors. Each method opens its own session or transaction. */
@ApplicationScoped
public class AuthFactorRepository {

    public Uni<Void> insert(AuthFactor factor) {
        return Panache.withTransaction(() -> factor.persist()).replaceWithVoid();
    }

    public Uni<Optional<AuthFactor>> find(String tenantId, String userId, UUID factorId) {
        return Panache.withSession(() -> AuthFactor.<AuthFactor>find("id = ?1 and tenantId = ?2 and userId = ?3",
                factorId, tenantId, userId).firstResult().map(Optional::ofNullable));
    }

    public Uni<List<AuthFactor>> ofUser(String tenantId, String userId) {
        return Panache.withSession(() -> AuthFactor.<AuthFactor>find(
                "tenantId = ?1 and userId = ?2 order by createdAt", tenantId, userId).list());
    }

    public Uni<Boolean> rename(String tenantId, String userId, UUID factorId, String label) {
        return Panache.withTransaction(() -> AuthFactor.update(
                "label = ?1 where id = ?2 and tenantId = ?3 and userId = ?4", label, factorId, tenantId, userId))
                .map(n -> n == 1);
    }

    /** Makes an active factor the user's preferred one (and no other). */
    public Uni<Boolean> prefer(String tenantId, String userId, UUID factorId) {
        return Panache.withTransaction(() -> AuthFactor.update(
                        "preferred = false where tenantId = ?1 and userId = ?2", tenantId, userId)
                .chain(() -> AuthFactor.update(
                        "preferred = true where id = ?1 and tenantId = ?2 and userId = ?3 and status = 'ACTIVE'",
                        factorId, tenantId, userId))
                .map(n -> n == 1)
                .call(won -> won ? Uni.createFrom().voidItem()
                        : Panache.currentTransaction().invoke(tx -> tx.markForRollback())));
    }

    /** No authenticator of the user is preferred any more (the enrolled phone is, then). */
    public Uni<Void> clearPreferred(String tenantId, String userId) {
        return Panache.withTransaction(() -> AuthFactor.update(
                "preferred = false where tenantId = ?1 and userId = ?2", tenantId, userId)).replaceWithVoid();
    }

    public Uni<Boolean> delete(String tenantId, String userId, UUID factorId) {
        return Panache.withTransaction(() -> AuthFactor.delete("id = ?1 and tenantId = ?2 and userId = ?3",
                factorId, tenantId, userId)).map(n -> n == 1);
    }

    /**
     * Accepts a time step (or HOTP counter) once: the update happens only when it is newer than the last one
     * accepted, in one statement, so that two concurrent uses of one code cannot both succeed. With
     * {@code activate}, a pending factor becomes active by the same statement. True when this call won.
     */
    public Uni<Boolean> acceptStep(String tenantId, UUID factorId, long step, int drift, Instant now,
                                   boolean activate) {
        return Panache.withTransaction(() -> Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        UPDATE auth_factor SET last_step = :step, drift_steps = :drift, last_used_at = :now,
                               status = 'ACTIVE', activated_at = COALESCE(activated_at, :now)
                        WHERE id = :id AND tenant_id = :tenant AND status = :status
                          AND (last_step IS NULL OR last_step < :step)
                        """)
                .setParameter("step", step)
                .setParameter("drift", drift)
                .setParameter("now", now)
                .setParameter("id", factorId)
                .setParameter("tenant", tenantId)
                .setParameter("status", activate ? "PENDING" : "ACTIVE")
                .executeUpdate())).map(n -> n == 1);
    }
}
