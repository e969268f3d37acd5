package io.keystep.audit.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.audit.domain.StoredEvent;

import java.time.Instant;
import java.util.UUID;

/** One audited event as the API shows it: the envelope, the user, the topic and the (redacted) payload. */
public record AuditEventView(UUID eventId, String type, int schemaVersion, Instant occurredAt, String tenantId,
                             String correlationId, String userId, String topic, JsonNode payload) {

    public static AuditEventView of(StoredEvent row) {
        return new AuditEventView(row.eventId(), row.type(), row.schemaVersion(), row.occurredAt(), row.tenantId(),
                row.correlationId(), row.userId(), row.topic(), row.payload());
    }
}
