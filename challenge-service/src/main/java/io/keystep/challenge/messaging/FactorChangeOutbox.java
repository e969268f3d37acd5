package io.keystep.challenge.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.store.EventOutbox;
import io.keystep.challenge.store.OutboxEvent;
import io.keystep.events.Envelope;
import io.keystep.events.FactorChanged;
import io.keystep.events.Topics;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Writes {@code factor.changed.v1} records as outbox rows, for the caller to add in the transaction of the change
 * they announce: the same envelope, key and headers {@link EventPublisher} would send at once.
 */
@ApplicationScoped
public class FactorChangeOutbox {

    private final ObjectMapper mapper;
    private final EventOutbox outbox;

    public FactorChangeOutbox(ObjectMapper mapper, EventOutbox outbox) {
        this.mapper = mapper;
        this.outbox = outbox;
    }

    /** The row of a change without a notice. */
    public OutboxEvent row(String tenantId, Instant at, FactorChanged change) {
        return row(tenantId, at, change, eventId -> Map.of());
    }

    /** The row of a change with headers made from its event id (a notice's, see {@code FactorNotices}). */
    public OutboxEvent row(String tenantId, Instant at, FactorChanged change,
                           Function<UUID, Map<String, String>> headers) {
        Envelope<FactorChanged> envelope = EventPublisher.factorEnvelope(tenantId, at, change);
        String json;
        try {
            json = mapper.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + envelope.type() + " is not serialisable", e);
        }
        return OutboxEvent.of(envelope.eventId(), Topics.FACTOR_CHANGED, Topics.key(tenantId, change.userId()), json,
                outbox.headersJson(headers.apply(envelope.eventId())), at);
    }
}
