package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

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

    /** Revokes one device; false when it is unknown or revoked already. */
    public Uni<Boolean> revoke(String tenantId, String userId, UUID deviceId, Instant now) {
        return Panache.withTransaction(() -> TrustedDevice.update(
                "revokedAt = ?1 where id = ?2 and tenantId = ?3 and userId = ?4 and revokedAt is null",
                now, deviceId, tenantId, userId)).map(n -> n == 1);
    }

    /** Revokes every device of the user; answers the ids revoked. */
    public Uni<List<UUID>> revokeAll(String tenantId, String userId, Instant now) {
        return Panache.withTransaction(() -> TrustedDevice.<TrustedDevice>find(
                        "tenantId = ?1 and userId = ?2 and revokedAt is null", tenantId, userId).list()
                .flatMap(devices -> TrustedDevice.update(
                                "revokedAt = ?1 where tenantId = ?2 and userId = ?3 and revokedAt is null",
                                now, tenantId, userId)
                        .map(n -> devices.stream().map(d -> d.id).toList())));
    }
}
