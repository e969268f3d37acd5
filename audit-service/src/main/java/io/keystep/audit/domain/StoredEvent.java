package io.keystep.audit.domain;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.UUID;

/** A row of the audit trail, with its place in the tenant's hash chain. */
public record StoredEvent(UUID eventId, String type, int schemaVersion, Instant occurredAt, String tenantId,
                          String correlationId, String userId, String topic, int partition, long offset,
                          Instant receivedAt, long chainSeq, JsonNode payload, String prevHash, String hash) {
}
