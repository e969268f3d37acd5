package io.keystep.challenge.factors;

import io.keystep.challenge.config.TrustedDeviceConfig;
import io.keystep.challenge.messaging.FactorChangeOutbox;
import io.keystep.challenge.messaging.OutboxRelay;
import io.keystep.challenge.store.OutboxEvent;
import io.keystep.challenge.store.TrustedDevice;
import io.keystep.challenge.store.TrustedDeviceRepository;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.kit.formats.TrustedDeviceTokens;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Trusted devices: a token ({@link TrustedDeviceTokens}, signed with {@code keystep.trusted-devices.signing-key})
 * that risk-service verifies with the public key. Only the token's SHA-256 is stored. A revocation and its events are
 * committed together through the outbox ({@link OutboxRelay}), so that no revocation is ever lost on the way to
 * risk-service.
 */
// Built at start-up, so that a missing or malformed signing key stops the service instead of its first request.
@io.quarkus.runtime.Startup
@ApplicationScoped
public class TrustedDevices {

    /** A new trusted device and its token (shown once). */
    public record Issued(String deviceId, String token, Instant expiresAt) {
    }

    private final TrustedDeviceRepository devices;
    private final FactorChangeOutbox outbox;
    private final OutboxRelay relay;
    private final TrustedDeviceConfig config;
    private final Clock clock;
    private final TrustedDeviceTokens.Signer signer;
    private final FactorNotices notices;
    private final FactorMetrics metrics;

    public TrustedDevices(TrustedDeviceRepository devices, FactorChangeOutbox outbox, OutboxRelay relay,
                          TrustedDeviceConfig config, Clock clock, FactorNotices notices, FactorMetrics metrics) {
        this.notices = notices;
        this.metrics = metrics;
        this.devices = devices;
        this.outbox = outbox;
        this.relay = relay;
        this.config = config;
        this.clock = clock;
        this.signer = TrustedDeviceTokens.Signer.fromPkcs8(config.signingKey());
    }

    /** Trusts the device for the user and answers its token. */
    public Uni<Issued> trust(String tenantId, String userId, String fingerprint, String label) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(config.ttl()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String deviceId = UUID.randomUUID().toString();
        String token = signer.sign(tenantId, userId, fingerprint, deviceId, now, expiresAt);
        TrustedDevice d = new TrustedDevice();
        d.id = UUID.fromString(deviceId);
        d.tenantId = tenantId;
        d.userId = userId;
        d.tokenHash = TrustedDeviceTokens.sha256Hex(token);
        d.fingerprintHash = TrustedDeviceTokens.sha256Hex(fingerprint);
        d.label = label;
        d.createdAt = now;
        d.expiresAt = expiresAt;
        return devices.insert(d)
                .chain(() -> notices.publish(tenantId, now, new FactorChanged(userId, deviceId, null,
                        FactorChange.DEVICE_TRUSTED, label)))
                .invoke(() -> metrics.trustedDeviceIssued(tenantId))
                .replaceWith(new Issued(deviceId, token, expiresAt));
    }

    public Uni<List<TrustedDevice>> active(String tenantId, String userId) {
        return devices.active(tenantId, userId, clock.instant());
    }

    /** How long after a login's approval its device may still be trusted. */
    public Duration trustWindow() {
        return config.trustWindow();
    }

    /**
     * Revokes one device at the user's request (through the gateway): DEVICE_REVOKED, with the user's notice, written
     * to the outbox with the revocation and relayed until Kafka acknowledged it. False when unknown or revoked
     * already.
     */
    public Uni<Boolean> revoke(String tenantId, String userId, UUID deviceId) {
        return revoke(tenantId, userId, deviceId, "revoked", "user");
    }

    /**
     * Revokes one device on support's word, as {@link #revoke(String, String, UUID)} does; the event's detail names
     * support and who ({@code by}, the token's subject), so that the trail tells it from the user's own revocation.
     */
    public Uni<Boolean> revokeBySupport(String tenantId, String userId, UUID deviceId, String by) {
        return revoke(tenantId, userId, deviceId, "revoked by support: " + by, "support");
    }

    private Uni<Boolean> revoke(String tenantId, String userId, UUID deviceId, String detail, String metricReason) {
        Instant now = clock.instant();
        FactorChanged change = new FactorChanged(userId, deviceId.toString(), null, FactorChange.DEVICE_REVOKED,
                detail);
        return notices.headers(tenantId, now, change)
                .flatMap(headers -> devices.revoke(tenantId, userId, deviceId, now,
                        () -> outbox.row(tenantId, now, change, headers)))
                .invoke(revoked -> {
                    if (revoked) {
                        metrics.trustedDeviceRevoked(tenantId, metricReason);
                        relay.wake();
                    }
                });
    }

    /**
     * Revokes every device of the user at the gateway's request (the password changed, the user signed out
     * everywhere, a compromise is suspected): one DEVICE_REVOKED per device and one DEVICES_FORGOTTEN, which carries
     * the user's notice and makes risk-service forget every device of the user, even one that holds no token.
     * Answers how many devices were revoked.
     */
    public Uni<Integer> revokeAllOnRequest(String tenantId, String userId, String reason) {
        return revokeEvery(tenantId, userId, reason, reason, true);
    }

    /**
     * Revokes every device of the user (a factor changed): one DEVICE_REVOKED each and one DEVICES_FORGOTTEN, so that
     * the next login from any device is a new device.
     */
    public Uni<Void> revokeAll(String tenantId, String userId, String reason) {
        // No notice: the factor change that caused it sends one, naming what changed.
        return revokeEvery(tenantId, userId, "factor_change", reason, false).replaceWithVoid();
    }

    /**
     * Revokes every device of the user and writes their DEVICE_REVOKED and the DEVICES_FORGOTTEN (with the user's
     * notice when {@code withNotice}) to the outbox in the same transaction; counts each device under
     * {@code metricReason} and answers how many were revoked.
     */
    private Uni<Integer> revokeEvery(String tenantId, String userId, String metricReason, String reason,
                                     boolean withNotice) {
        Instant now = clock.instant();
        FactorChanged forgotten = new FactorChanged(userId, null, null, FactorChange.DEVICES_FORGOTTEN, reason);
        Uni<Function<UUID, Map<String, String>>> headers = withNotice ? notices.headers(tenantId, now, forgotten)
                : Uni.createFrom().item(eventId -> Map.of());
        return headers.flatMap(notice -> devices.revokeAll(tenantId, userId, now, ids -> {
                    List<OutboxEvent> rows = new ArrayList<>(ids.size() + 1);
                    ids.forEach(id -> rows.add(outbox.row(tenantId, now, new FactorChanged(userId, id.toString(),
                            null, FactorChange.DEVICE_REVOKED, reason))));
                    rows.add(outbox.row(tenantId, now, forgotten, notice));
                    return rows;
                }))
                .invoke(ids -> {
                    ids.forEach(id -> metrics.trustedDeviceRevoked(tenantId, metricReason));
                    relay.wake();
                })
                .map(List::size);
    }
}
