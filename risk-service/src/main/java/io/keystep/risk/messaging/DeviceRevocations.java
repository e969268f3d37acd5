package io.keystep.risk.messaging;

import io.keystep.events.Envelope;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.risk.store.RiskProfileStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;

/**
 * Learns from factor changes: a revoked trusted device's id is remembered so that its token no longer counts
 * (and the fingerprint it was seen with is forgotten). Every other change teaches risk-service nothing.
 */
@ApplicationScoped
public class DeviceRevocations {

    private final RiskProfileStore store;
    private final Clock clock;

    public DeviceRevocations(RiskProfileStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Whether the change is one this service acts on. */
    public static boolean concerns(FactorChanged change) {
        return change.change() == FactorChange.DEVICE_REVOKED;
    }

    /**
     * Applies a change; a revocation without a device id cannot be applied.
     *
     * @throws IllegalArgumentException for a DEVICE_REVOKED without {@code factorId}
     */
    public Uni<Void> apply(Envelope<FactorChanged> event) {
        FactorChanged change = event.payload();
        if (!concerns(change)) {
            return Uni.createFrom().voidItem();
        }
        if (change.factorId() == null || change.factorId().isBlank()) {
            throw new IllegalArgumentException("DEVICE_REVOKED without factorId (the device id)");
        }
        return store.revokeDevice(event.tenantId(), change.userId(), change.factorId(), clock.instant());
    }
}
