package io.keystep.delivery.messaging;

import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.kit.messaging.EventSender;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;

import java.time.Clock;

/** Publishes {@code delivery.status.v1}, keyed by tenant and user so that one person's statuses stay in order. */
@ApplicationScoped
public class DeliveryStatusPublisher {

    private final MutinyEmitter<String> emitter;
    private final EventSender sender;
    private final Clock clock;

    public DeliveryStatusPublisher(@Channel("delivery-status") MutinyEmitter<String> emitter, EventSender sender,
                                   Clock clock) {
        this.emitter = emitter;
        this.sender = sender;
        this.clock = clock;
    }

    /** Completes once Kafka acknowledged the event; a status that cannot be written fails the job visibly. */
    public Uni<Void> publish(String tenantId, String correlationId, DeliveryStatusChanged status) {
        return sender.send(emitter, Envelope.of(DeliveryStatusChanged.TYPE, clock.instant(), tenantId, correlationId,
                status), status.userId());
    }
}
