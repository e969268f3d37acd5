package io.keystep.delivery.messaging;

import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.EventOrigin;
import io.keystep.kit.messaging.EventSender;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;

import java.time.Clock;

/**
 * Publishes {@code delivery.status.v1}, keyed by tenant and user so that one person's statuses stay in order. SMS
 * workers outside the platform write this topic too, so every record carries the platform's origin proof.
 */
@ApplicationScoped
public class DeliveryStatusPublisher {

    private final MutinyEmitter<String> emitter;
    private final EventSender sender;
    private final Clock clock;
    private final EventOrigin origin;

    public DeliveryStatusPublisher(@Channel("delivery-status") MutinyEmitter<String> emitter, EventSender sender,
                                   Clock clock, EventOrigin origin) {
        this.emitter = emitter;
        this.sender = sender;
        this.clock = clock;
        this.origin = origin;
    }

    /** Completes once Kafka acknowledged the event; a status that cannot be written fails the job visibly. */
    public Uni<Void> publish(String tenantId, String correlationId, DeliveryStatusChanged status) {
        return sender.sendWithOrigin(emitter, Topics.DELIVERY_STATUS, Envelope.of(DeliveryStatusChanged.TYPE,
                clock.instant(), tenantId, correlationId, status), status.userId(), origin);
    }
}
