package io.keystep.risk.messaging;

import io.keystep.events.Envelope;
import io.keystep.events.Outcome;
import io.keystep.events.VerificationCompleted;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.MalformedEventException;
import io.keystep.risk.store.RiskProfileStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code verification.completed.v1} → learn the device of an approved challenge, remember a push the user denied as
 * not theirs (their next logins score higher), and settle a signup experiment's challenged signup.
 */
@ApplicationScoped
public class VerificationConsumer {

    private static final Logger LOG = Logger.getLogger(VerificationConsumer.class);

    private final EnvelopeReader reader;
    private final DeviceLearner learner;
    private final ExperimentSignups experiments;
    private final RiskProfileStore store;

    public VerificationConsumer(EnvelopeReader reader, DeviceLearner learner, ExperimentSignups experiments,
                                RiskProfileStore store) {
        this.reader = reader;
        this.learner = learner;
        this.experiments = experiments;
        this.store = store;
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
        return learner.learn(read).chain(() -> reported(read)).chain(() -> experiments.outcome(read));
    }

    /**
     * A denied push is the user saying a sign-in was not theirs: kept under the challenge id with the time it was
     * denied, so that a redelivery counts once and does not extend the window.
     */
    private Uni<Void> reported(Envelope<VerificationCompleted> event) {
        VerificationCompleted v = event.payload();
        if (v.outcome() != Outcome.DENIED) {
            return Uni.createFrom().voidItem();
        }
        LOG.infof("Challenge %s of tenant %s denied as not the user's: their logins score higher", v.challengeId(),
                event.tenantId());
        return store.recordFraudReport(event.tenantId(), v.userId(), v.challengeId(), event.occurredAt());
    }
}
