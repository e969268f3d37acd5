package io.keystep.challenge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Users' paired devices: the factor row (auth_factor, kind PUSH) and the device (push_device), written in one
 * transaction.
 */
@ApplicationScoped
public class PushDevices {

    /**
     * A paired device.
     *
     * @param deviceId   the factor it is
     * @param userId     whose
     * @param name       the name the app gave it (the user can rename it)
     * @param publicKey  its public key, X.509 SubjectPublicKeyInfo (DER)
     * @param algorithm  {@code ES256} or {@code Ed25519}
     * @param platform   {@code fcm} or {@code apns}
     * @param pushToken  where the provider reaches it
     * @param tokenState {@code active} or {@code unregistered}
     * @param preferred  whether the user prefers it
     * @param createdAt  when paired
     * @param lastUsedAt when it last answered, or null
     */
    public record Device(UUID deviceId, String userId, String name, byte[] publicKey, String algorithm,
                         String platform, String pushToken, String tokenState, boolean preferred, Instant createdAt,
                         Instant lastUsedAt) {

        public boolean reachable() {
            return "active".equals(tokenState);
        }

        /** The job's destination: {@code fcm:<token>} or {@code apns:<token>}. */
        public String destination() {
            return platform + ":" + pushToken;
        }
    }

    private static final String COLUMNS = "SELECT d.factor_id, d.user_id, f.label, d.public_key, d.key_algorithm,"
            + " d.platform, d.push_token, d.token_state, f.preferred, f.created_at, f.last_used_at"
            + " FROM push_device d JOIN auth_factor f ON f.id = d.factor_id";

    private final Pool pool;

    public PushDevices(Pool pool) {
        this.pool = pool;
    }

    /** Stores a newly paired device of the user, active. */
    public Uni<Void> insert(String tenantId, Device d) {
        OffsetDateTime at = d.createdAt().atOffset(ZoneOffset.UTC);
        return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO auth_factor (id, tenant_id, user_id, kind,"
                                + " label, status, preferred, drift_steps, created_at, activated_at) VALUES ($1, $2, $3,"
                                + " 'PUSH', $4, 'ACTIVE', false, 0, $5, $5)")
                        .execute(Tuple.of(d.deviceId(), tenantId, d.userId(), d.name(), at))
                        .chain(() -> conn.preparedQuery("INSERT INTO push_device (factor_id, tenant_id, user_id,"
                                        + " public_key, key_algorithm, platform, push_token, token_state,"
                                        + " token_updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8)")
                                .execute(Tuple.tuple(List.of(d.deviceId(), tenantId, d.userId(),
                                        Buffer.buffer(d.publicKey()), d.algorithm(), d.platform(), d.pushToken(), at)))))
                .replaceWithVoid();
    }

    /** The tenant's device with this id, whoever's it is; empty when unknown or no longer active. */
    public Uni<Optional<Device>> find(String tenantId, UUID deviceId) {
        return pool.preparedQuery(COLUMNS + " WHERE d.tenant_id = $1 AND d.factor_id = $2 AND f.status = 'ACTIVE'")
                .execute(Tuple.of(tenantId, deviceId)).map(rows -> {
                    var it = rows.iterator();
                    return it.hasNext() ? Optional.of(device(it.next())) : Optional.<Device>empty();
                });
    }

    /** The tenant of a device, for a request the device signed. */
    public Uni<Optional<String>> tenantOf(UUID deviceId) {
        return pool.preparedQuery("SELECT tenant_id FROM push_device WHERE factor_id = $1")
                .execute(Tuple.of(deviceId)).map(rows -> {
                    var it = rows.iterator();
                    return it.hasNext() ? Optional.of(it.next().getString("tenant_id")) : Optional.<String>empty();
                });
    }

    /** The user's active devices, the preferred first, then the most recently paired. */
    public Uni<List<Device>> ofUser(String tenantId, String userId) {
        return pool.preparedQuery(COLUMNS + " WHERE d.tenant_id = $1 AND d.user_id = $2 AND f.status = 'ACTIVE'"
                        + " ORDER BY f.preferred DESC, f.created_at DESC").execute(Tuple.of(tenantId, userId))
                .map(rows -> {
                    List<Device> out = new ArrayList<>();
                    rows.forEach(r -> out.add(device(r)));
                    return out;
                });
    }

    /** The app's new push token; the device is reachable again. */
    public Uni<Boolean> refreshToken(String tenantId, UUID deviceId, String pushToken, Instant now) {
        return pool.preparedQuery("UPDATE push_device SET push_token = $3, token_state = 'active',"
                        + " token_updated_at = $4 WHERE factor_id = $1 AND tenant_id = $2")
                .execute(Tuple.of(deviceId, tenantId, pushToken, now.atOffset(ZoneOffset.UTC)))
                .map(r -> r.rowCount() == 1);
    }

    /**
     * The provider said the token is dead: no push goes to the device until the app refreshes it. Only the token
     * that failed is marked, so that a refresh that raced the failure stands.
     */
    public Uni<Boolean> markUnregistered(String tenantId, UUID deviceId, String pushToken, Instant now) {
        return pool.preparedQuery("UPDATE push_device SET token_state = 'unregistered', token_updated_at = $4"
                        + " WHERE factor_id = $1 AND tenant_id = $2 AND push_token = $3 AND token_state = 'active'")
                .execute(Tuple.of(deviceId, tenantId, pushToken, now.atOffset(ZoneOffset.UTC)))
                .map(r -> r.rowCount() == 1);
    }

    /** Notes the device answered. */
    public Uni<Void> used(String tenantId, UUID deviceId, Instant now) {
        return pool.preparedQuery("UPDATE auth_factor SET last_used_at = $3 WHERE id = $1 AND tenant_id = $2")
                .execute(Tuple.of(deviceId, tenantId, now.atOffset(ZoneOffset.UTC))).replaceWithVoid();
    }

    private static Device device(Row r) {
        return new Device(r.getUUID("factor_id"), r.getString("user_id"), r.getString("label"),
                r.getBuffer("public_key").getBytes(), r.getString("key_algorithm"), r.getString("platform"),
                r.getString("push_token"), r.getString("token_state"), r.getBoolean("preferred"),
                instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("last_used_at")));
    }

    private static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }
}
