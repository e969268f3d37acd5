package io.keystep.delivery.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Clock;

/** Publishes {@code delivery.status.v1}, keyed by tenant and user so that one person's statuses stay in order. */
@ApplicationScoped
public class DeliveryStatusPublisher {

    private static final java.time.Duration PUBLISH_TIMEOUT = java.time.Duration.ofSeconds(30);

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper json;
    private final Clock clock;

    public DeliveryStatusPublisher(@Channel("delivery-status") MutinyEmitter<String> emitter, ObjectMapper json,
                                   Clock clock) {
        this.emitter = emitter;
        this.json = json;
        this.clock = clock;
    }

    /** Completes once Kafka acknowledged the event. */
    public Uni<Void> publish(String tenantId, String correlationId, DeliveryStatusChanged status) {
        Envelope<DeliveryStatusChanged> envelope =
                Envelope.of(DeliveryStatusChanged.TYPE, clock.instant(), tenantId, correlationId, status);
        String value;
        try {
            value = json.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(Topics.key(tenantId, status.userId()))
                .build();
        return Uni.createFrom().emitter(em -> emitter.sendMessageAndForget(Message.of(value)
                .addMetadata(metadata)
                .withAck(() -> {
                    em.complete(null);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    em.fail(failure);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                })))
                // Kafka's own delivery timeout is longer; a status that cannot be written fails the job visibly.
                .ifNoItem().after(PUBLISH_TIMEOUT).fail()
                .replaceWithVoid();
    }
}
