package io.keystep.delivery.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.delivery.domain.CodeDelivery;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Envelope;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads delivery jobs from {@code challenge.issued.v1}. A record that does not parse into a valid job fails the
 * message, which sends it to {@code challenge.issued.v1.dlq}; the consumer goes on with the next record.
 */
@ApplicationScoped
public class ChallengeIssuedConsumer {

    private static final TypeReference<Envelope<ChallengeIssued>> JOB = new TypeReference<>() {
    };

    private static final java.time.Duration JOB_TIMEOUT = java.time.Duration.ofSeconds(120);

    private final ObjectMapper json;
    private final CodeDelivery delivery;

    public ChallengeIssuedConsumer(ObjectMapper json, CodeDelivery delivery) {
        this.json = json;
        this.delivery = delivery;
    }

    @Incoming("challenge-issued")
    public Uni<Void> consume(String value) {
        Envelope<ChallengeIssued> job;
        try {
            job = json.readValue(value, JOB);
            if (job == null) {
                throw new IllegalArgumentException("empty record");
            }
        } catch (Exception e) {
            // Only the exception type goes on: Jackson messages quote the input, and the input holds a sealed code.
            return Uni.createFrom().failure(new MalformedJobException(e.getClass().getSimpleName()));
        }
        // A job that cannot finish in time fails (and goes to the dead-letter topic) instead of holding the partition.
        return delivery.deliver(job).ifNoItem().after(JOB_TIMEOUT).fail();
    }

    /** A record on the job topic that is not a valid delivery job. */
    public static final class MalformedJobException extends RuntimeException {
        MalformedJobException(String cause) {
            super("malformed delivery job (" + cause + ")", null, false, false);
        }
    }
}
