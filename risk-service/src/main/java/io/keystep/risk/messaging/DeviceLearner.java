package io.keystep.risk.messaging;

import io.keystep.events.Envelope;
import io.keystep.events.Outcome;
import io.keystep.events.VerificationCompleted;
import io.keystep.risk.store.DeviceMemory;
import io.keystep.risk.store.RiskProfileStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Learns from verifications: an approved one makes its device known for the user (the only way a device becomes
 * known, unless the user's devices were forgotten after the approval) and makes the challenged login's country and
 * hour familiar. Other outcomes teach nothing.
 */
@ApplicationScoped
public class DeviceLearner {

    private final RiskProfileStore store;
    private final DeviceMemory devices;
    private final Clock clock;

    public DeviceLearner(RiskProfileStore store, DeviceMemory devices, Clock clock) {
        this.store = store;
        this.devices = devices;
        this.clock = clock;
    }

    public Uni<Void> learn(Envelope<VerificationCompleted> event) {
        VerificationCompleted v = event.payload();
        if (v.outcome() != Outcome.APPROVED) {
            return Uni.createFrom().voidItem();
        }
        String tenant = event.tenantId();
        Instant now = clock.instant();
        Uni<Void> device = v.deviceFingerprint() == null || v.deviceFingerprint().isBlank()
                ? Uni.createFrom().voidItem()
                : devices.deviceApproved(tenant, v.userId(), v.deviceFingerprint(), event.occurredAt(), now)
                        .chain(() -> devices.pruneDevices(tenant, v.userId(), now));
        Uni<Void> context = v.loginId() == null || v.loginId().isBlank()
                ? Uni.createFrom().voidItem()
                : store.takePending(tenant, v.userId(), v.loginId()).chain(fields -> familiar(tenant, v, fields, now));
        return device.chain(() -> context);
    }

    private Uni<Void> familiar(String tenant, VerificationCompleted v, Map<String, String> fields, Instant now) {
        if (fields.isEmpty() || !fields.containsKey("hour")) {
            return Uni.createFrom().voidItem();
        }
        return store.familiar(tenant, v.userId(), Optional.ofNullable(fields.get("country")),
                Integer.parseInt(fields.get("hour")), now);
    }
}
