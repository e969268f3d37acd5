package io.keystep.risk.messaging;

import io.keystep.events.Envelope;
import io.keystep.events.FactorChanged;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.MalformedEventException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code factor.changed.v1} → remember revoked trusted devices and forget every device of a user on DEVICES_FORGOTTEN.
 * A malformed change is nacked into the DLQ.
 */
@ApplicationScoped
public class FactorChangeConsumer {

    private static final Logger LOG = Logger.getLogger(FactorChangeConsumer.class);

    private final EnvelopeReader reader;
    private final DeviceRevocations revocations;

    public FactorChangeConsumer(EnvelopeReader reader, DeviceRevocations revocations) {
        this.reader = reader;
        this.revocations = revocations;
    }

    @Incoming("factor-changes")
    public Uni<Void> onFactorChange(String record) {
        try {
            Envelope<FactorChanged> change = reader.read(record, FactorChanged.TYPE, FactorChanged.class);
            return revocations.apply(change);
        } catch (MalformedEventException | IllegalArgumentException e) {
            LOG.warnf("Malformed factor change sent to the dead-letter topic: %s", e.getMessage());
            return Uni.createFrom().failure(e);
        }
    }
}
