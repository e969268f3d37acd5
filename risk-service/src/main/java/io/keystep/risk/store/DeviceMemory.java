package io.keystep.risk.store;

import io.keystep.kit.formats.TrustedDeviceTokens;
import io.keystep.kit.store.RedisScript;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.config.TrustedDevicesConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.keystep.risk.store.RiskProfileStore.fingerprintHash;
import static io.keystep.risk.store.RiskProfileStore.userPrefix;

/**
 * What risk-service knows of a user's devices, in the user's slot ({@link RiskProfileStore#userPrefix}):
 * {@code devices} (fingerprints learned from approved logins, SHA-256 hex to last seen), {@code trusted-devices}
 * (trusted-device ids seen in valid tokens, to the fingerprint they came with), {@code revoked-devices} (revoked ids)
 * and {@code devices-forgotten} (when every device of the user was last forgotten: tokens issued no later are
 * refused, approvals from before it teach nothing).
 */
@ApplicationScoped
public class DeviceMemory {

    private static final RedisScript LEARN = RedisScript.load(DeviceMemory.class, "learn-device.lua");
    private static final RedisScript FORGET_ALL = RedisScript.load(DeviceMemory.class, "forget-devices.lua");
    private static final RedisScript TOKEN_REVOKED = RedisScript.load(DeviceMemory.class, "token-revoked.lua");

    private final ReactiveRedisDataSource redis;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final ReactiveKeyCommands<String> keys;
    private final RiskProfileStore profiles;
    private final RiskConfig config;
    private final TrustedDevicesConfig trustedDevices;

    public DeviceMemory(ReactiveRedisDataSource redis, RiskProfileStore profiles, RiskConfig config,
                        TrustedDevicesConfig trustedDevices) {
        this.redis = redis;
        this.hashes = redis.hash(String.class, String.class, String.class);
        this.keys = redis.key();
        this.profiles = profiles;
        this.config = config;
        this.trustedDevices = trustedDevices;
    }

    /** The device was used again while known (an allowed login): it stays known for the device window. */
    public Uni<Void> deviceSeen(String tenantId, String userId, String deviceFingerprint, Instant now) {
        return learn(tenantId, userId, deviceFingerprint, now, "");
    }

    /**
     * A verification approved at {@code approvedAt} (its producer's time) makes the device known for the device
     * window, unless the user's devices were forgotten after it.
     */
    public Uni<Void> deviceApproved(String tenantId, String userId, String deviceFingerprint, Instant approvedAt,
                                    Instant now) {
        return learn(tenantId, userId, deviceFingerprint, now, Long.toString(approvedAt.toEpochMilli()));
    }

    private Uni<Void> learn(String tenantId, String userId, String deviceFingerprint, Instant now, String approvedAt) {
        String p = userPrefix(tenantId, userId);
        return LEARN.run(redis, List.of(p + "devices", p + "devices-forgotten"), fingerprintHash(deviceFingerprint),
                Long.toString(now.toEpochMilli()), Long.toString(config.deviceWindow().toMillis()), approvedAt)
                .replaceWithVoid();
    }

    /**
     * Drops the user's devices not seen within the device window. The hash as a whole expires only when none is
     * used, so without this a regular user's old fingerprints would stay forever. Called when a device is
     * approved (the only way an entry is added), off the login path.
     */
    public Uni<Void> pruneDevices(String tenantId, String userId, Instant now) {
        return pruneOlderThan(userPrefix(tenantId, userId) + "devices", now.minus(config.deviceWindow()));
    }

    /** Removes the fields of a hash of epoch-millisecond values older than {@code cutoff} (and unreadable ones). */
    private Uni<Void> pruneOlderThan(String key, Instant cutoff) {
        long oldest = cutoff.toEpochMilli();
        return hashes.hgetall(key).chain(fields -> {
            String[] stale = fields.entrySet().stream()
                    .filter(e -> millisOrZero(e.getValue()) < oldest)
                    .map(Map.Entry::getKey)
                    .toArray(String[]::new);
            return stale.length == 0 ? Uni.createFrom().voidItem() : hashes.hdel(key, stale).replaceWithVoid();
        });
    }

    private static long millisOrZero(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Forgets a device: the next login from it is a new device again. */
    public Uni<Void> forgetDevice(String tenantId, String userId, String deviceFingerprint) {
        return hashes.hdel(userPrefix(tenantId, userId) + "devices", fingerprintHash(deviceFingerprint))
                .replaceWithVoid();
    }

    /**
     * A valid trusted-device token named this device id for this fingerprint: remembered so that revoking the
     * device id also forgets the fingerprint (a token stripped from a revoked device must not leave it known).
     */
    public Uni<Void> trustedDeviceSeen(String tenantId, String userId, String deviceId, String deviceFingerprint) {
        return profiles.setExpiring(new RiskProfileStore.Field(userPrefix(tenantId, userId) + "trusted-devices",
                deviceId, fingerprintHash(deviceFingerprint), trustedDevices.revocationMemory()));
    }

    /**
     * Revokes a trusted device: its id is remembered for the revocation memory (at least the token lifetime), and
     * the fingerprint a token of it was last seen with is no longer a known device.
     */
    public Uni<Void> revokeDevice(String tenantId, String userId, String deviceId, Instant now) {
        String p = userPrefix(tenantId, userId);
        Uni<Void> remember = hashes.hset(p + "revoked-devices", deviceId, Long.toString(now.toEpochMilli()))
                .chain(() -> keys.pexpire(p + "revoked-devices", trustedDevices.revocationMemory()))
                .replaceWithVoid();
        Uni<Void> forget = hashes.hget(p + "trusted-devices", deviceId)
                .chain(hash -> hash == null ? Uni.createFrom().voidItem()
                        : hashes.hdel(p + "devices", hash).replaceWithVoid());
        Uni<Void> prune = pruneOlderThan(p + "revoked-devices", now.minus(trustedDevices.revocationMemory()));
        return remember.chain(() -> forget).chain(() -> prune);
    }

    /**
     * Forgets every device of the user, in one script: the devices learned from logins, every trusted-device id seen
     * (revoked), and the moment itself, so that any token issued no later than {@code at} is refused, seen or not.
     */
    public Uni<Void> forgetAll(String tenantId, String userId, Instant at, Instant now) {
        String p = userPrefix(tenantId, userId);
        return FORGET_ALL.run(redis, List.of(p + "devices", p + "trusted-devices", p + "revoked-devices",
                        p + "devices-forgotten"), Long.toString(at.toEpochMilli()),
                Long.toString(trustedDevices.revocationMemory().toMillis()), Long.toString(now.toEpochMilli()))
                .replaceWithVoid();
    }

    /**
     * Whether a genuine token no longer counts: its device id was revoked, or it was issued no later than the
     * moment the user's devices were last forgotten (within the revocation memory).
     */
    public Uni<Boolean> tokenRevoked(String tenantId, String userId, TrustedDeviceTokens.Check token) {
        String p = userPrefix(tenantId, userId);
        return TOKEN_REVOKED.run(redis, List.of(p + "revoked-devices", p + "devices-forgotten"), token.deviceId())
                .map(r -> r.get(0).toLong() == 1L
                        || (r.get(1) != null && token.issuedNoLaterThan(Instant.ofEpochMilli(r.get(1).toLong()))));
    }
}
