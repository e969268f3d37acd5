package io.keystep.kit.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Envelope;
import io.keystep.events.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one way every service sends an event: the envelope as JSON, keyed {@code tenant:subject} (so that one user's
 * events stay in order), completing when Kafka acknowledged the record and failing after {@link #ACK_TIMEOUT}, so
 * that a caller answers only once its event is durable and never hangs on a broker that does not answer.
 */
@ApplicationScoped
public class EventSender {

    /** A send that Kafka does not acknowledge within this time fails instead of hanging a request or a record. */
    public static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

    private final ObjectMapper mapper;

    public EventSender(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Sends {@code envelope} keyed by its tenant and {@code subject}. */
    public Uni<Void> send(MutinyEmitter<String> emitter, Envelope<?> envelope, String subject) {
        return send(emitter, envelope, subject, Map.of());
    }

    /** Sends {@code envelope} with record headers (text values; never a secret, code or token in the clear). */
    public Uni<Void> send(MutinyEmitter<String> emitter, Envelope<?> envelope, String subject,
                          Map<String, String> headers) {
        String json;
        try {
            json = write(envelope);
        } catch (IllegalStateException e) {
            return Uni.createFrom().failure(e);
        }
        return sendWritten(emitter, Topics.key(envelope.tenantId(), subject), json, headers);
    }

    /**
     * Sends {@code envelope} on {@code topic} (the emitter's) with the platform's origin proof over topic, key and
     * value ({@link EventOrigin}), for a topic whose consumers also take records from outside the platform.
     */
    public Uni<Void> sendWithOrigin(MutinyEmitter<String> emitter, String topic, Envelope<?> envelope,
                                    String subject, EventOrigin origin) {
        String key = Topics.key(envelope.tenantId(), subject);
        Map<String, String> proof;
        String json;
        try {
            json = write(envelope);
            proof = Map.of(EventOrigin.HEADER, origin.sign(topic, key, json));
        } catch (IllegalStateException e) {
            return Uni.createFrom().failure(e);
        }
        return sendWritten(emitter, key, json, proof);
    }

    /**
     * Sends an envelope already written as JSON under its {@code tenant:subject} key: one remembered so that a
     * redelivered record is answered with the very same event (same event id), byte for byte.
     */
    public Uni<Void> sendWritten(MutinyEmitter<String> emitter, String key, String json) {
        return sendWritten(emitter, key, json, Map.of());
    }

    private String write(Envelope<?> envelope) {
        try {
            return mapper.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + envelope.type() + " is not serialisable", e);
        }
    }

    /**
     * Sends an envelope already written as JSON, with record headers: one kept in a transactional outbox until
     * Kafka acknowledged it.
     */
    public Uni<Void> sendWritten(MutinyEmitter<String> emitter, String key, String json,
                                 Map<String, String> headers) {
        List<RecordHeader> recordHeaders = new ArrayList<>(headers.size());
        headers.forEach((name, value) -> recordHeaders.add(
                new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8))));
        Message<String> message = Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key)
                .withHeaders(recordHeaders)
                .build());
        return emitter.sendMessage(message).ifNoItem().after(ACK_TIMEOUT).fail();
    }
}
