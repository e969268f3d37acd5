package io.keystep.challenge.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.AccessRefused;
import io.keystep.events.Envelope;
import io.keystep.events.TenantSettingsChanged;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Instant;

/**
 * Publishes what the audit trail must know about callers rather than users: refused calls and tenant settings
 * changes, keyed {@code tenant:subject} (the caller's identity, never its token). Each {@link Uni} completes
 * when Kafka acknowledged the record.
 */
@ApplicationScoped
public class SecurityEventPublisher {

    private final MutinyEmitter<String> refusals;
    private final MutinyEmitter<String> settingsChanges;
    private final ObjectMapper mapper;

    public SecurityEventPublisher(
            @Channel("access-refused") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
            MutinyEmitter<String> refusals,
            @Channel("tenant-settings-changed") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 256)
            MutinyEmitter<String> settingsChanges,
            ObjectMapper mapper) {
        this.refusals = refusals;
        this.settingsChanges = settingsChanges;
        this.mapper = mapper;
    }

    /** A refused call; the tenant is the caller's own, from its token. */
    public Uni<Void> accessRefused(String callerTenant, Instant at, AccessRefused refused) {
        return send(refusals, Envelope.of(AccessRefused.TYPE, at, callerTenant, refused.subject(), refused),
                refused.subject());
    }

    /** A change of the tenant's settings by an administrator. */
    public Uni<Void> settingsChanged(String tenantId, Instant at, TenantSettingsChanged change) {
        return send(settingsChanges, Envelope.of(TenantSettingsChanged.TYPE, at, tenantId, change.changedBy(),
                change), change.changedBy());
    }

    private Uni<Void> send(MutinyEmitter<String> emitter, Envelope<?> envelope, String subject) {
        return EventPublisher.send(mapper, emitter, envelope, subject, java.util.List.of());
    }
}
