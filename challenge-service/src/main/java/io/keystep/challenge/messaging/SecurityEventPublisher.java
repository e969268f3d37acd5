package io.keystep.challenge.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.AccessRefused;
import io.keystep.events.Envelope;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.events.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Duration;
import java.time.Instant;

/**
 * Publishes what the audit trail must know about callers rather than users: refused calls and tenant settings
 * changes, keyed {@code tenant:subject} (the caller's identity, never its token). Each {@link Uni} completes
 * when Kafka acknowledged the record.
 */
@ApplicationScoped
public class SecurityEventPublisher {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

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
        String json;
        try {
            json = mapper.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("event not serialisable", e));
        }
        Message<String> message = Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(Topics.key(envelope.tenantId(), subject))
                .build());
        return emitter.sendMessage(message).ifNoItem().after(ACK_TIMEOUT).fail();
    }
}
