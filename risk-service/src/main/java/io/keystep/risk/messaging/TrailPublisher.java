package io.keystep.risk.messaging;

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

import java.time.Clock;
import java.util.UUID;

/**
 * Sends what the audit trail must know about the API: refused callers ({@code security.access-refused.v1}) and
 * tenant settings changes ({@code tenant.settings-changed.v1}), keyed {@code tenant:subject}. Completes once Kafka
 * acknowledged the record.
 */
@ApplicationScoped
public class TrailPublisher {

    private final MutinyEmitter<String> refusals;
    private final MutinyEmitter<String> settingsChanges;
    private final ObjectMapper mapper;
    private final Clock clock;

    public TrailPublisher(@Channel("access-refused") MutinyEmitter<String> refusals,
                          @Channel("tenant-settings-changed") MutinyEmitter<String> settingsChanges,
                          ObjectMapper mapper, Clock clock) {
        this.refusals = refusals;
        this.settingsChanges = settingsChanges;
        this.mapper = mapper;
        this.clock = clock;
    }

    /** Publishes a refusal under the caller's own tenant; the correlation id is fresh (a refusal starts nothing). */
    public Uni<Void> refused(String callerTenant, AccessRefused refusal) {
        return send(refusals, callerTenant, refusal.subject(), Envelope.of(AccessRefused.TYPE, clock.instant(),
                callerTenant, UUID.randomUUID().toString(), refusal));
    }

    /** Publishes a settings change of the tenant. */
    public Uni<Void> settingsChanged(String tenant, TenantSettingsChanged change) {
        return send(settingsChanges, tenant, change.changedBy(), Envelope.of(TenantSettingsChanged.TYPE,
                clock.instant(), tenant, UUID.randomUUID().toString(), change));
    }

    private Uni<Void> send(MutinyEmitter<String> emitter, String tenant, String subject, Envelope<?> event) {
        String json;
        try {
            json = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot write " + event.type(), e));
        }
        return emitter.sendMessage(Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(Topics.key(tenant, subject)).build()));
    }
}
