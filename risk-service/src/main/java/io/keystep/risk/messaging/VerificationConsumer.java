package io.keystep.risk.messaging;

import io.keystep.events.Envelope;
import io.keystep.events.VerificationCompleted;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.MalformedEventException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code verification.completed.v1} → learn the device of an approved challenge, and settle a signup experiment's
 * challenged signup.
 */
@ApplicationScoped
public class VerificationConsumer {

    private static final Logger LOG = Logger.getLogger(VerificationConsumer.class);

    private final EnvelopeReader reader;
    private final DeviceLearner learner;
    private final ExperimentSignups experiments;

    public VerificationConsumer(EnvelopeReader reader, DeviceLearner learner, ExperimentSignups experiments) {
        this.reader = reader;
        this.learner = learner;
        this.experiments = experiments;
    }

    @Incoming("verifications")
    public Uni<Void> onVerification(String record) {
        Envelope<VerificationCompleted> verification;
        try {
            verification = reader.read(record, VerificationCompleted.TYPE, VerificationCompleted.class);
        } catch (MalformedEventException e) {
            LOG.warnf("Malformed verification sent to the dead-letter topic: %s", e.getMessage());
            return Uni.createFrom().failure(e);
        }
        Envelope<VerificationCompleted> read = verification;
        return learner.learn(read).chain(() -> experiments.outcome(read));
    }
}
