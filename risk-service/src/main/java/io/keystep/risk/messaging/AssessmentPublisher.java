package io.keystep.risk.messaging;

import io.keystep.risk.service.LoginAssessor;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/** Sends {@code risk.assessed.v1} keyed by tenant:user; completes once Kafka acknowledged the record. */
@ApplicationScoped
public class AssessmentPublisher {

    private final MutinyEmitter<String> emitter;

    /** Room for every login the consumer may have in flight (keystep.risk.consumer.max-in-flight) and more. */
    public AssessmentPublisher(@Channel("risk-assessed") @OnOverflow(value = OnOverflow.Strategy.BUFFER,
            bufferSize = 4096) MutinyEmitter<String> emitter) {
        this.emitter = emitter;
    }

    public Uni<Void> publish(LoginAssessor.Outgoing outgoing) {
        return emitter.sendMessage(Message.of(outgoing.json()).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(outgoing.key()).build()));
    }
}
