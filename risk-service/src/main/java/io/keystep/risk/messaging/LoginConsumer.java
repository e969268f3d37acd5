package io.keystep.risk.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.risk.service.LoginAssessor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** {@code auth.login.v1} → a decision → {@code risk.assessed.v1}. A malformed login is nacked into the DLQ. */
@ApplicationScoped
public class LoginConsumer {

    private static final Logger LOG = Logger.getLogger(LoginConsumer.class);
    private static final TypeReference<Envelope<LoginAttempted>> TYPE = new TypeReference<>() {
    };

    private final EventReader reader;
    private final LoginAssessor assessor;
    private final AssessmentPublisher publisher;
    private final ConsumerMetrics metrics;

    public LoginConsumer(EventReader reader, LoginAssessor assessor, AssessmentPublisher publisher,
                         ConsumerMetrics metrics) {
        this.metrics = metrics;
        this.reader = reader;
        this.assessor = assessor;
        this.publisher = publisher;
    }

    @Incoming("logins")
    public Uni<Void> onLogin(String record) {
        Envelope<LoginAttempted> login;
        try {
            login = reader.read(record, LoginAttempted.TYPE, TYPE);
        } catch (MalformedEventException e) {
            LOG.warnf("Malformed login sent to the dead-letter topic: %s", e.getMessage());
            metrics.deadLettered();
            return Uni.createFrom().failure(e);
        }
        return assessor.assess(login)
                .chain(outgoing -> publisher.publish(outgoing).invoke(() -> metrics.published(outgoing.replayed())));
    }
}
