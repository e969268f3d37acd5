package io.keystep.risk.messaging;

import io.keystep.events.Envelope;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.risk.store.DeviceMemory;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;

/**
 * Learns from factor changes: a revoked trusted device's id is remembered so that its token no longer counts (and the
 * fingerprint it was seen with is forgotten); DEVICES_FORGOTTEN forgets every device of the user, so that the next
 * login from any device is a new device, and refuses every token issued no later than the event. Every other change
 * teaches risk-service nothing. Both are idempotent: a record delivered again changes nothing more.
 */
@ApplicationScoped
public class DeviceRevocations {

    private final DeviceMemory devices;
    private final Clock clock;

    public DeviceRevocations(DeviceMemory devices, Clock clock) {
        this.devices = devices;
        this.clock = clock;
    }

    /** Whether the change is one this service acts on. */
    public static boolean concerns(FactorChanged change) {
        return change.change() == FactorChange.DEVICE_REVOKED || change.change() == FactorChange.DEVICES_FORGOTTEN;
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
        if (change.change() == FactorChange.DEVICES_FORGOTTEN) {
            // The event's own time, the producer's: the tokens it refuses carry that producer's issue times.
            return devices.forgetAll(event.tenantId(), change.userId(), event.occurredAt(), clock.instant());
        }
        if (change.factorId() == null || change.factorId().isBlank()) {
            throw new IllegalArgumentException("DEVICE_REVOKED without factorId (the device id)");
        }
        return devices.revokeDevice(event.tenantId(), change.userId(), change.factorId(), clock.instant());
    }
}
