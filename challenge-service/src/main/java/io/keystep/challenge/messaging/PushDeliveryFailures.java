package io.keystep.challenge.messaging;

import io.keystep.challenge.domain.Tenants;
import io.keystep.challenge.factors.PushApprovals;
import io.keystep.challenge.store.PushChallenges;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.EventOrigin;
import io.keystep.kit.messaging.MalformedEventException;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Pushes that could not be delivered. delivery-service reports each push's fate on {@code delivery.status.v1}; a
 * {@code FAILED} push moves its login to the user's next factor, and a token the provider no longer knows marks the
 * device unreachable until the app refreshes it. Only records proven as delivery-service's ({@link EventOrigin}) are
 * acted on: an SMS worker, which may write that topic for its own deliveries, can neither unpair a device nor move
 * a login. Everything else on the topic is left to the audit trail. A record that does not parse goes to
 * {@code delivery.status.v1.dlq}.
 */
@ApplicationScoped
public class PushDeliveryFailures {

    private static final Logger LOG = Logger.getLogger(PushDeliveryFailures.class);
    /** delivery-service's reason for a token its provider no longer knows. */
    public static final String UNREGISTERED = "push_token_unregistered";

    private final EnvelopeReader reader;
    private final EventOrigin origin;
    private final PushChallenges state;
    private final PushApprovals pushes;
    private final PushFallback switches;

    public PushDeliveryFailures(EnvelopeReader reader, EventOrigin origin, PushChallenges state, PushApprovals pushes,
                                PushFallback switches) {
        this.reader = reader;
        this.origin = origin;
        this.state = state;
        this.pushes = pushes;
        this.switches = switches;
    }

    @Incoming("delivery-status")
    public Uni<Void> consume(Message<String> record) {
        String value = record.getPayload();
        if (!value.contains("\"PUSH\"")) {
            return Uni.createFrom().voidItem().chain(() -> Uni.createFrom().completionStage(record.ack()));
        }
        Envelope<DeliveryStatusChanged> envelope;
        try {
            envelope = reader.read(value, DeliveryStatusChanged.TYPE, DeliveryStatusChanged.class);
            if (!Tenants.isValid(envelope.tenantId())) {
                throw new MalformedEventException("field tenantId is not a valid tenant id");
            }
        } catch (MalformedEventException e) {
            return Uni.createFrom().completionStage(record.nack(e));
        }
        DeliveryStatusChanged status = envelope.payload();
        if (status.channel() != Channel.PUSH || status.status() != DeliveryStatus.FAILED
                || !proven(record, value)) {
            return Uni.createFrom().completionStage(record.ack());
        }
        return failed(envelope.tenantId(), status)
                .onFailure().invoke(e -> LOG.warnf(e, "could not move the login of push %s", status.challengeId()))
                .onFailure().recoverWithNull()
                .chain(() -> Uni.createFrom().completionStage(record.ack()));
    }

    private Uni<Void> failed(String tenantId, DeliveryStatusChanged status) {
        return state.pushFields(status.challengeId()).flatMap(found -> {
            // [tenant, nonceDigest, pushContext, factorId, userId, status, expiresAt, loginId, pushTarget]
            if (found.isEmpty() || !tenantId.equals(found.get().get(0))
                    || !found.get().get(3).startsWith("PUSH:")) {
                return Uni.createFrom().voidItem();
            }
            UUID deviceId = UUID.fromString(found.get().get(3).substring("PUSH:".length()));
            Uni<Boolean> marked = UNREGISTERED.equals(status.reason())
                    ? pushes.unregistered(tenantId, deviceId, found.get().get(8)) : Uni.createFrom().item(false);
            String loginId = found.get().get(7);
            return marked.chain(() -> loginId.isEmpty() ? Uni.createFrom().voidItem()
                    : switches.fallBackFromPush(tenantId, loginId, status.challengeId()));
        });
    }

    /** Whether delivery-service wrote the record: its origin proof over topic, key and value verifies. */
    private boolean proven(Message<String> record, String value) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(meta -> {
            Header proof = meta.getHeaders().lastHeader(EventOrigin.HEADER);
            Object key = meta.getKey();
            return proof != null && origin.verifies(Topics.DELIVERY_STATUS, key == null ? null : key.toString(), value,
                    new String(proof.value(), StandardCharsets.UTF_8));
        }).orElse(false);
    }
}
