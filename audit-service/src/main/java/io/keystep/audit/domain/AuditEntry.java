package io.keystep.audit.domain;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.UUID;

/**
 * An event ready to be stored: the envelope as columns and the payload already redacted (no code, no
 * secret, destinations masked).
 */
public record AuditEntry(UUID eventId, String type, int schemaVersion, Instant occurredAt, String tenantId,
                         String correlationId, String userId, String topic, int partition, long offset,
                         ObjectNode payload) {

    /** The type of a record read from a dead-letter topic. */
    public static final String DEAD_LETTER = "dead-letter";
    /** The type of a record on a platform topic that is not a valid event. */
    public static final String MALFORMED = "malformed";
    /** Tenant or user of a record that names none. */
    public static final String UNKNOWN = "unknown";
}
