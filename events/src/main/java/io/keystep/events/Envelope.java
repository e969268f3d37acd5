package io.keystep.events;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The envelope every event travels in: identity, type and version, time, tenant and the correlation id
 * (the login or verification it belongs to), around a typed payload.
 *
 * @param eventId       unique per event; consumers deduplicate on it
 * @param type          the payload's type, for example {@code auth.login}
 * @param schemaVersion the payload schema's version, 1 for every {@code .v1} topic
 * @param occurredAt    when the producer saw the event happen
 * @param tenantId      the tenant the event belongs to
 * @param correlationId the login id or verification id that ties a thread of events together
 * @param payload       the event itself
 */
public record Envelope<T>(UUID eventId, String type, int schemaVersion, Instant occurredAt, String tenantId,
                          String correlationId, T payload) {

    public Envelope {
        Objects.requireNonNull(eventId, "eventId");
        Required.text(type, "type");
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be 1 or more");
        }
        Objects.requireNonNull(occurredAt, "occurredAt");
        Required.text(tenantId, "tenantId");
        Required.text(correlationId, "correlationId");
        Objects.requireNonNull(payload, "payload");
    }

    /** A new version-1 envelope with a random event id. */
    public static <T> Envelope<T> of(String type, Instant occurredAt, String tenantId, String correlationId, T payload) {
        return new Envelope<>(UUID.randomUUID(), type, 1, occurredAt, tenantId, correlationId, payload);
    }
}
