package io.keystep.kit.messaging;

import io.keystep.events.AccessRefused;
import io.keystep.events.Envelope;
import io.keystep.events.TenantSettingsChanged;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Clock;
import java.util.UUID;

/**
 * What every service tells the audit trail about its callers rather than its users: refused calls
 * ({@code security.access-refused.v1}, channel {@code access-refused}) and tenant settings changes
 * ({@code tenant.settings-changed.v1}, channel {@code tenant-settings-changed}), keyed {@code tenant:subject} (the
 * caller's identity, never its token). Each {@link Uni} completes when Kafka acknowledged the record.
 */
@ApplicationScoped
public class PlatformEvents {

    private final MutinyEmitter<String> refusals;
    private final MutinyEmitter<String> settingsChanges;
    private final EventSender sender;
    private final Clock clock;

    public PlatformEvents(
            @Channel("access-refused") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
            MutinyEmitter<String> refusals,
            @Channel("tenant-settings-changed") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 256)
            MutinyEmitter<String> settingsChanges,
            EventSender sender, Clock clock) {
        this.refusals = refusals;
        this.settingsChanges = settingsChanges;
        this.sender = sender;
        this.clock = clock;
    }

    /** A refused call, under the caller's own tenant; the correlation id is fresh (a refusal starts nothing). */
    public Uni<Void> accessRefused(String callerTenant, AccessRefused refusal) {
        return sender.send(refusals, Envelope.of(AccessRefused.TYPE, clock.instant(), callerTenant,
                UUID.randomUUID().toString(), refusal), refusal.subject());
    }

    /** A change of the tenant's settings by an administrator. */
    public Uni<Void> settingsChanged(String tenantId, TenantSettingsChanged change) {
        return sender.send(settingsChanges, Envelope.of(TenantSettingsChanged.TYPE, clock.instant(), tenantId,
                UUID.randomUUID().toString(), change), change.changedBy());
    }
}
