package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/** Reads and writes trusted devices. */
@ApplicationScoped
public class TrustedDeviceRepository {

    public Uni<Void> insert(TrustedDevice device) {
        return Panache.withTransaction(device::persist).replaceWithVoid();
    }

    /** The user's devices that are neither revoked nor expired. */
    public Uni<List<TrustedDevice>> active(String tenantId, String userId, Instant now) {
        return Panache.withSession(() -> TrustedDevice.<TrustedDevice>find(
                "tenantId = ?1 and userId = ?2 and revokedAt is null and expiresAt > ?3 order by createdAt",
                tenantId, userId, now).list());
    }

    /**
     * Revokes one device and adds its event to the outbox in the same transaction; false (and no event) when the
     * device is unknown or revoked already.
     */
    public Uni<Boolean> revoke(String tenantId, String userId, UUID deviceId, Instant now,
                               Supplier<OutboxEvent> event) {
        return Panache.withTransaction(() -> TrustedDevice.update(
                        "revokedAt = ?1 where id = ?2 and tenantId = ?3 and userId = ?4 and revokedAt is null",
                        now, deviceId, tenantId, userId)
                .call(n -> n == 1 ? event.get().persist() : Uni.createFrom().voidItem())
                .map(n -> n == 1));
    }

    /**
     * Revokes every device of the user and adds the events made from the ids revoked (possibly none) to the outbox,
     * in one transaction: a revocation is never committed without its events. Answers the ids revoked.
     */
    public Uni<List<UUID>> revokeAll(String tenantId, String userId, Instant now,
                                     Function<List<UUID>, List<OutboxEvent>> events) {
        return Panache.withTransaction(() -> TrustedDevice.<TrustedDevice>find(
                        "tenantId = ?1 and userId = ?2 and revokedAt is null", tenantId, userId).list()
                // Exactly the devices read (each then gets its event), not one trusted meanwhile without its event.
                .map(devices -> devices.stream().map(d -> d.id).toList())
                .call(ids -> ids.isEmpty() ? Uni.createFrom().voidItem() : TrustedDevice.update(
                        "revokedAt = ?1 where id in ?2 and revokedAt is null", now, ids))
                .call(ids -> OutboxEvent.persist(events.apply(ids))));
    }
}
