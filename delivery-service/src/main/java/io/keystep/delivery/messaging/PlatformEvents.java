package io.keystep.delivery.messaging;

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
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes the platform events this service raises besides delivery statuses: refused API calls
 * ({@code security.access-refused.v1}) and tenant settings changes ({@code tenant.settings-changed.v1}), both keyed
 * {@code tenantId:subject}.
 */
@ApplicationScoped
public class PlatformEvents {

    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(10);

    private final MutinyEmitter<String> accessRefused;
    private final MutinyEmitter<String> settingsChanged;
    private final ObjectMapper json;
    private final Clock clock;

    public PlatformEvents(@Channel("access-refused") MutinyEmitter<String> accessRefused,
                          @Channel("tenant-settings-changed") MutinyEmitter<String> settingsChanged,
                          ObjectMapper json, Clock clock) {
        this.accessRefused = accessRefused;
        this.settingsChanged = settingsChanged;
        this.json = json;
        this.clock = clock;
    }

    /** Completes once Kafka acknowledged the event. */
    public Uni<Void> accessRefused(String tenantId, AccessRefused refusal) {
        return send(accessRefused, tenantId, refusal.subject(),
                Envelope.of(AccessRefused.TYPE, clock.instant(), tenantId, UUID.randomUUID().toString(), refusal));
    }

    /** Completes once Kafka acknowledged the event. */
    public Uni<Void> settingsChanged(String tenantId, TenantSettingsChanged change) {
        return send(settingsChanged, tenantId, change.changedBy(),
                Envelope.of(TenantSettingsChanged.TYPE, clock.instant(), tenantId, UUID.randomUUID().toString(),
                        change));
    }

    private Uni<Void> send(MutinyEmitter<String> emitter, String tenantId, String subject, Envelope<?> envelope) {
        String value;
        try {
            value = json.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(Topics.key(tenantId, subject))
                .build();
        return Uni.createFrom().<Void>emitter(em -> emitter.sendMessageAndForget(Message.of(value)
                        .addMetadata(metadata)
                        .withAck(() -> {
                            em.complete(null);
                            return CompletableFuture.completedFuture(null);
                        })
                        .withNack(failure -> {
                            em.fail(failure);
                            return CompletableFuture.completedFuture(null);
                        })))
                .ifNoItem().after(PUBLISH_TIMEOUT).fail();
    }
}
