package io.keystep.challenge.factors;

import io.keystep.challenge.config.TrustedDeviceConfig;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.TrustedDevice;
import io.keystep.challenge.store.TrustedDeviceRepository;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.kit.formats.TrustedDeviceTokens;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Trusted devices: a token ({@link TrustedDeviceTokens}, signed with {@code keystep.trusted-devices.signing-key})
 * that risk-service verifies with the public key. Only the token's SHA-256 is stored.
 */
// Built at start-up, so that a missing or malformed signing key stops the service instead of its first request.
@io.quarkus.runtime.Startup
@ApplicationScoped
public class TrustedDevices {

    /** A new trusted device and its token (shown once). */
    public record Issued(String deviceId, String token, Instant expiresAt) {
    }

    private final TrustedDeviceRepository devices;
    private final EventPublisher publisher;
    private final TrustedDeviceConfig config;
    private final Clock clock;
    private final TrustedDeviceTokens.Signer signer;
    private final FactorNotices notices;
    private final FactorMetrics metrics;

    public TrustedDevices(TrustedDeviceRepository devices, EventPublisher publisher, TrustedDeviceConfig config,
                          Clock clock, FactorNotices notices, FactorMetrics metrics) {
        this.notices = notices;
        this.metrics = metrics;
        this.devices = devices;
        this.publisher = publisher;
        this.config = config;
        this.clock = clock;
        this.signer = TrustedDeviceTokens.Signer.fromPkcs8(config.signingKey());
    }

    /** Trusts the device for the user and answers its token. */
    public Uni<Issued> trust(String tenantId, String userId, String fingerprint, String label) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(config.ttl()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String deviceId = UUID.randomUUID().toString();
        String token = signer.sign(tenantId, userId, fingerprint, deviceId, expiresAt);
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

    /** Revokes one device (DEVICE_REVOKED); false when unknown or revoked already. */
    public Uni<Boolean> revoke(String tenantId, String userId, UUID deviceId) {
        Instant now = clock.instant();
        return devices.revoke(tenantId, userId, deviceId, now).call(revoked -> revoked
                ? notices.publish(tenantId, now, new FactorChanged(userId, deviceId.toString(), null,
                FactorChange.DEVICE_REVOKED, "revoked")).invoke(() -> metrics.trustedDeviceRevoked(tenantId, "user"))
                : Uni.createFrom().voidItem());
    }

    /**
     * Revokes every device of the user at the gateway's request (the password changed, the user signed out
     * everywhere, a compromise is suspected): one DEVICE_REVOKED each, the first carrying the user's notice.
     * Answers how many were revoked.
     */
    public Uni<Integer> revokeAllOnRequest(String tenantId, String userId, String reason) {
        return revokeEvery(tenantId, userId, reason, reason, true);
    }

    /** Revokes every device of the user (a factor changed), one DEVICE_REVOKED each. */
    public Uni<Void> revokeAll(String tenantId, String userId, String reason) {
        // No notice per device: the factor change that caused it sends one, naming what changed.
        return revokeEvery(tenantId, userId, "factor_change", reason, false).replaceWithVoid();
    }

    /**
     * Revokes every device of the user, one DEVICE_REVOKED each (the first carrying the user's notice when
     * {@code withNotice}); counts each under {@code metricReason} and answers how many were revoked.
     */
    private Uni<Integer> revokeEvery(String tenantId, String userId, String metricReason, String reason,
                                     boolean withNotice) {
        Instant now = clock.instant();
        return devices.revokeAll(tenantId, userId, now)
                .invoke(ids -> ids.forEach(id -> metrics.trustedDeviceRevoked(tenantId, metricReason)))
                .flatMap(ids -> ids.isEmpty()
                        ? Uni.createFrom().item(0)
                        : Multi.createFrom().range(0, ids.size()).onItem().transformToUniAndConcatenate(i -> {
                            FactorChanged revoked = new FactorChanged(userId, ids.get(i).toString(), null,
                                    FactorChange.DEVICE_REVOKED, reason);
                            return withNotice && i == 0 ? notices.publish(tenantId, now, revoked)
                                    : publisher.factorChanged(tenantId, now, revoked);
                        }).collect().last().replaceWith(ids.size()));
    }
}
