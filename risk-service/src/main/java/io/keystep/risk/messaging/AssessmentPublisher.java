package io.keystep.risk.messaging;

import io.keystep.kit.messaging.EventSender;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/** Sends {@code risk.assessed.v1} keyed by tenant:user; completes once Kafka acknowledged the record. */
@ApplicationScoped
public class AssessmentPublisher {

    private final MutinyEmitter<String> emitter;
    private final EventSender sender;

    /** Room for every login the consumer may have in flight (keystep.risk.consumer.max-in-flight) and more. */
    public AssessmentPublisher(@Channel("risk-assessed") @OnOverflow(value = OnOverflow.Strategy.BUFFER,
            bufferSize = 4096) MutinyEmitter<String> emitter, EventSender sender) {
        this.emitter = emitter;
        this.sender = sender;
    }

    public Uni<Void> publish(LoginAssessor.Outgoing outgoing) {
        // written by the assessor, which remembers it so that a redelivered login is answered with the same event
        return sender.sendWritten(emitter, outgoing.key(), outgoing.json());
    }
}
