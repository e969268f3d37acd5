package io.keystep.audit.messaging;

import io.keystep.audit.domain.IncomingRecord;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.EventOrigin;
import io.keystep.kit.messaging.EventSender;
import io.keystep.kit.messaging.RefusedEventException;
import io.keystep.kit.messaging.TenantProof;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tenant proof of records written from outside the platform ({@link TenantProof}): a login
 * ({@code auth.login.v1}) needs its gateway's token, a delivery status ({@code delivery.status.v1}) a worker's token
 * or delivery-service's origin proof. A refused record is stored as refused, never as an event of the tenant it
 * names. risk-service dead-letters and reports refused logins; for statuses this service is the consumer that acts,
 * so it puts them on {@code delivery.status.v1.dlq} (as SmallRye's dead-letter queue would, without the token) and
 * publishes their refusal.
 */
@ApplicationScoped
public class ExternalRecordProofs {

    private static final Logger LOG = Logger.getLogger(ExternalRecordProofs.class);

    private final TenantProof proof;
    private final EventOrigin origin;
    private final MutinyEmitter<String> statusDeadLetters;

    public ExternalRecordProofs(TenantProof proof, EventOrigin origin,
                                @Channel("refused-statuses") @OnOverflow(value = OnOverflow.Strategy.BUFFER,
                                        bufferSize = 1024) MutinyEmitter<String> statusDeadLetters) {
        this.proof = proof;
        this.origin = origin;
        this.statusDeadLetters = statusDeadLetters;
    }

    /**
     * The verdict on a well-formed event naming {@code tenant} of a topic written from outside the platform; null
     * for other topics.
     */
    public TenantProof.Verdict judge(IncomingRecord record, String tenant) {
        boolean login = Topics.LOGIN.equals(record.topic());
        if (!login && !Topics.DELIVERY_STATUS.equals(record.topic())) {
            return null;
        }
        Map<String, String> headers = record.headers();
        return login ? proof.check(headers::get, tenant, Roles.GATEWAY)
                : proof.check(headers::get, tenant, Roles.WORKER, origin, record.topic(), record.key(),
                record.value());
    }

    /** Whether this service, not another consumer, dead-letters and reports the refused record. */
    public static boolean actsOn(IncomingRecord record) {
        return Topics.DELIVERY_STATUS.equals(record.topic());
    }

    /**
     * Publishes the refusal and the dead-letter copy of a refused status; completes, never fails, once Kafka
     * acknowledged both or {@link EventSender#ACK_TIMEOUT} passed (the trail holds the refused record either way).
     */
    public Uni<Void> deadLetter(IncomingRecord record, TenantProof.Verdict verdict) {
        List<RecordHeader> headers = new ArrayList<>();
        record.headers().forEach((name, value) -> {
            if (!TenantProof.AUTHORIZATION.equalsIgnoreCase(name)) {
                headers.add(header(name, value));
            }
        });
        headers.add(header("dead-letter-reason", verdict.detail()));
        headers.add(header("dead-letter-exception-class-name", RefusedEventException.class.getName()));
        headers.add(header("dead-letter-topic", record.topic()));
        headers.add(header("dead-letter-partition", String.valueOf(record.partition())));
        headers.add(header("dead-letter-offset", String.valueOf(record.offset())));
        TenantProof.deadLetterHeaders(verdict).forEach((name, value) -> headers.add(header(name, value)));
        Message<String> copy = Message.of(record.value()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key()).withHeaders(headers).build());
        LOG.warnf("Status on %s/%d/%d naming tenant %s refused, sent to the dead-letter topic: %s", record.topic(),
                record.partition(), record.offset(), verdict.namedTenant(), verdict.detail());
        return proof.publishRefusal(verdict, record.topic())
                .chain(() -> statusDeadLetters.sendMessage(copy).ifNoItem().after(EventSender.ACK_TIMEOUT).fail())
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("Dead-letter copy of %s/%d/%d not published: %s", record.topic(), record.partition(),
                            record.offset(), e.toString());
                    return null;
                });
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
