package io.keystep.audit.domain;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.events.AccessRefused;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.LoginDecided;
import io.keystep.events.RiskAssessed;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.VerificationLimited;
import io.keystep.events.FactorChanged;
import io.keystep.events.TenantSettingsChanged;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * Turns any record of any platform or dead-letter topic into an {@link AuditEntry}. It never throws: what it
 * cannot parse becomes a {@code malformed} entry, and every dead-letter record a {@code dead-letter} entry, so
 * that audit stores everything it is given and keeps consuming. A record refused for not proving the tenant it
 * names ({@link #refused}, or its dead-letter copy, header {@value #REFUSAL_HEADER}) is kept under tenant
 * {@value AuditEntry#UNKNOWN}, never in the chain of the tenant it names, once: the copy and the original share an
 * identity, the original's place in Kafka.
 */
public final class EventTranslator {

    /** Payload classes of the known event types: a known type must parse into its record. */
    private static final Map<String, Class<?>> PAYLOADS = Map.of(
            LoginAttempted.TYPE, LoginAttempted.class,
            RiskAssessed.TYPE, RiskAssessed.class,
            LoginDecided.TYPE, LoginDecided.class,
            ChallengeIssued.TYPE, ChallengeIssued.class,
            DeliveryStatusChanged.TYPE, DeliveryStatusChanged.class,
            VerificationCompleted.TYPE, VerificationCompleted.class,
            VerificationLimited.TYPE, VerificationLimited.class,
            FactorChanged.TYPE, FactorChanged.class,
            AccessRefused.TYPE, AccessRefused.class,
            TenantSettingsChanged.TYPE, TenantSettingsChanged.class);

    /**
     * The payload field holding the user of an event type whose user is not a {@code userId}: the refused caller of
     * an access refusal, the administrator of a settings change.
     */
    private static final Map<String, String> USER_FIELDS = Map.of(
            AccessRefused.TYPE, "subject",
            TenantSettingsChanged.TYPE, "changedBy");

    /** The dead-letter header of a record refused for not proving its tenant (the kit's {@code TenantProof}). */
    public static final String REFUSAL_HEADER = "keystep-refusal";

    private static final TypeReference<Envelope<JsonNode>> ENVELOPE = new TypeReference<>() {
    };
    private static final int MAX_RAW_CHARS = 256 * 1024;

    private final ObjectMapper mapper;

    public EventTranslator(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public AuditEntry translate(IncomingRecord record) {
        try {
            return record.topic().endsWith(".dlq") ? deadLetter(record) : event(record);
        } catch (Exception e) {
            return malformed(record, e);
        }
    }

    private AuditEntry event(IncomingRecord record) throws Exception {
        if (record.value() == null) {
            throw new IllegalArgumentException("record has no value");
        }
        Envelope<JsonNode> envelope = mapper.readValue(record.value(), ENVELOPE);
        if (!envelope.payload().isObject()) {
            throw new IllegalArgumentException("payload must be a JSON object");
        }
        Class<?> payloadClass = PAYLOADS.get(envelope.type());
        if (payloadClass != null) {
            // the records' compact constructors reject missing fields: an invalid event is malformed
            mapper.treeToValue(envelope.payload(), payloadClass);
        }
        // the tree was parsed for this record alone: redacted in place, no copy
        ObjectNode payload = PayloadRedactor.redact((ObjectNode) envelope.payload());
        JsonNode userNode = payload.get(USER_FIELDS.getOrDefault(envelope.type(), "userId"));
        String userId = userNode != null && userNode.isTextual() && !userNode.asText().isBlank()
                ? userNode.asText() : keyPart(record.key(), 1);
        return new AuditEntry(envelope.eventId(), clean(envelope.type()), envelope.schemaVersion(),
                micros(envelope.occurredAt()), clean(envelope.tenantId()), clean(envelope.correlationId()),
                clean(userId), record.topic(), record.partition(), record.offset(), payload);
    }

    /**
     * A record of a platform topic refused for not proving the tenant it names ({@code refusal} says why, one of
     * {@code security.access-refused}'s reasons): a {@code dead-letter} entry under tenant {@value AuditEntry#UNKNOWN}.
     */
    public AuditEntry refused(IncomingRecord record, String refusal, String detail) {
        try {
            ObjectNode payload = mapper.createObjectNode();
            payload.put("originalTopic", PayloadRedactor.withoutNul(record.topic()));
            putIfPresent(payload, "reason", detail);
            putIfPresent(payload, "refusal", refusal);
            payload.put("originalPartition", String.valueOf(record.partition()));
            payload.put("originalOffset", String.valueOf(record.offset()));
            payload.put("raw", raw(record.value()));
            return unproven(record, record.topic(), record.partition(), record.offset(), payload);
        } catch (Exception e) {
            return malformed(record, e);
        }
    }

    private AuditEntry deadLetter(IncomingRecord record) {
        ObjectNode payload = mapper.createObjectNode();
        Map<String, String> headers = record.headers();
        String originalTopic = headers.getOrDefault("dead-letter-topic",
                record.topic().substring(0, record.topic().length() - ".dlq".length()));
        payload.put("originalTopic", PayloadRedactor.withoutNul(originalTopic));
        putIfPresent(payload, "reason", headers.get("dead-letter-reason"));
        putIfPresent(payload, "cause", headers.get("dead-letter-cause"));
        putIfPresent(payload, "causeClass", headers.get("dead-letter-exception-class-name"));
        putIfPresent(payload, "originalPartition", headers.get("dead-letter-partition"));
        putIfPresent(payload, "originalOffset", headers.get("dead-letter-offset"));
        payload.put("raw", raw(record.value()));
        String refusal = headers.get(REFUSAL_HEADER);
        if (refusal != null) {
            putIfPresent(payload, "refusal", refusal);
            try {
                return unproven(record, originalTopic, Integer.parseInt(headers.get("dead-letter-partition")),
                        Long.parseLong(headers.get("dead-letter-offset")), payload);
            } catch (RuntimeException noOriginalPlace) {
                return unproven(record, record.topic(), record.partition(), record.offset(), payload);
            }
        }
        return positional(record, AuditEntry.DEAD_LETTER, payload);
    }

    /**
     * A refused record: under tenant {@value AuditEntry#UNKNOWN}, whose identity is the original record's place in
     * Kafka, so that the original (refused here) and its dead-letter copy (refused by another consumer) are one entry.
     */
    private AuditEntry unproven(IncomingRecord record, String topic, int partition, long offset, ObjectNode payload) {
        UUID eventId = UUID.nameUUIDFromBytes(("refused:" + topic + ":" + partition + ":" + offset)
                .getBytes(StandardCharsets.UTF_8));
        Instant at = record.timestamp() == null ? Instant.EPOCH : record.timestamp();
        return new AuditEntry(eventId, AuditEntry.DEAD_LETTER, 1, micros(at), AuditEntry.UNKNOWN,
                clean(topic + "/" + partition + "/" + offset), AuditEntry.UNKNOWN, record.topic(),
                record.partition(), record.offset(), payload);
    }

    private AuditEntry malformed(IncomingRecord record, Exception error) {
        ObjectNode payload = mapper.createObjectNode();
        payload.put("reason", PayloadRedactor.redactText(firstLine(error.getMessage())));
        payload.put("raw", raw(record.value()));
        return positional(record, AuditEntry.MALFORMED, payload);
    }

    /** An entry whose identity is its place in Kafka, so that a redelivery of the record stores nothing new. */
    private AuditEntry positional(IncomingRecord record, String type, ObjectNode payload) {
        UUID eventId = UUID.nameUUIDFromBytes((type + ":" + record.topic() + ":" + record.partition() + ":"
                + record.offset()).getBytes(StandardCharsets.UTF_8));
        String tenant = keyPart(record.key(), 0);
        String correlation = record.topic() + "/" + record.partition() + "/" + record.offset();
        Instant at = record.timestamp() == null ? Instant.EPOCH : record.timestamp();
        return new AuditEntry(eventId, type, 1, micros(at), clean(tenant), correlation, clean(keyPart(record.key(), 1)),
                record.topic(), record.partition(), record.offset(), payload);
    }

    /** The raw value, redacted; when it is JSON the JSON redaction applies, which also masks by field name. */
    private String raw(String value) {
        if (value == null) {
            return "";
        }
        String text = value.length() > MAX_RAW_CHARS ? value.substring(0, MAX_RAW_CHARS) : value;
        try {
            JsonNode node = mapper.readTree(text);
            if (node != null && node.isObject()) {
                return mapper.writeValueAsString(PayloadRedactor.redact((ObjectNode) node));
            }
        } catch (Exception notJson) {
            // raw text: redacted by pattern below
        }
        return PayloadRedactor.redactText(text);
    }

    /** Part {@code index} of a {@code tenant:user} key, or {@code unknown}. */
    static String keyPart(String key, int index) {
        if (key == null) {
            return AuditEntry.UNKNOWN;
        }
        int colon = key.indexOf(':');
        if (colon <= 0 || colon == key.length() - 1) {
            return AuditEntry.UNKNOWN;
        }
        return index == 0 ? key.substring(0, colon) : key.substring(colon + 1);
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, PayloadRedactor.redactText(value));
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unparseable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String clean(String text) {
        return PayloadRedactor.withoutNul(text);
    }

    /** PostgreSQL keeps microseconds; the chain hashes what the database will give back. */
    public static Instant micros(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }
}
