package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Reads and writes recovery code hashes. */
@ApplicationScoped
public class RecoveryCodeRepository {

    /** Replaces the user's whole set (the old codes stop working) in one transaction. */
    public Uni<Void> replace(String tenantId, String userId, List<RecoveryCode> codes) {
        return Panache.withTransaction(() -> RecoveryCode.delete("tenantId = ?1 and userId = ?2", tenantId, userId)
                .chain(() -> RecoveryCode.persist(codes))).replaceWithVoid();
    }

    public Uni<List<RecoveryCode>> unused(String tenantId, String userId) {
        return Panache.withSession(() -> RecoveryCode.<RecoveryCode>find(
                "tenantId = ?1 and userId = ?2 and usedAt is null", tenantId, userId).list());
    }

    /**
     * The user's set of codes as support sees it, never a hash: how many remain of how many, when the set was made
     * and when a code of it was last used. Empty when the user holds no set.
     */
    public Uni<java.util.Optional<CodeSet>> setOf(String tenantId, String userId) {
        // A set is ten rows: summed here, so that no hash leaves the store.
        return Panache.withSession(() -> RecoveryCode.<RecoveryCode>find("tenantId = ?1 and userId = ?2", tenantId,
                userId).list()).map(all -> all.isEmpty() ? java.util.Optional.<CodeSet>empty()
                : java.util.Optional.of(new CodeSet((int) all.stream().filter(c -> c.usedAt == null).count(),
                all.size(), all.stream().map(c -> c.createdAt).min(Instant::compareTo).orElse(null),
                all.stream().map(c -> c.usedAt).filter(java.util.Objects::nonNull).max(Instant::compareTo)
                        .orElse(null))));
    }

    /** A user's set of recovery codes: {@code remaining} unused of {@code total}, made at, last used at (or null). */
    public record CodeSet(int remaining, int total, Instant createdAt, Instant lastUsedAt) {
    }

    /** Whether the user was ever given codes (a set exists, used or not). */
    public Uni<Boolean> exists(String tenantId, String userId) {
        return Panache.withSession(() -> RecoveryCode.count("tenantId = ?1 and userId = ?2", tenantId, userId))
                .map(n -> n > 0);
    }

    /** Marks the code used unless it already is, in one statement: of two parallel uses, one wins. */
    public Uni<Boolean> markUsed(UUID id, Instant now) {
        return Panache.withTransaction(() -> Panache.getSession().flatMap(session -> session.createNativeQuery(
                        "UPDATE recovery_code SET used_at = :now WHERE id = :id AND used_at IS NULL")
                .setParameter("now", now)
                .setParameter("id", id)
                .executeUpdate())).map(n -> n == 1);
    }
}
