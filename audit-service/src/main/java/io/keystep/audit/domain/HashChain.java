package io.keystep.audit.domain;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * The per-tenant hash chain: each row's hash is SHA-256 over the previous row's hash and the row's canonical
 * form, so that editing or deleting any row breaks every hash after it.
 *
 * <p>The canonical form is JSON with keys sorted, no whitespace, numbers in plain notation and times in
 * ISO-8601 at microsecond precision; it is computed the same way from what ingest writes and from what the
 * database gives back (jsonb reorders keys and drops whitespace, so the stored text cannot be hashed as is).
 */
public final class HashChain {

    /** The previous hash of a tenant's first row. */
    public static final String GENESIS = "0".repeat(64);

    private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();

    private HashChain() {
    }

    public static String hash(String prevHash, long chainSeq, UUID eventId, String type, int schemaVersion,
                              Instant occurredAt, String tenantId, String correlationId, String userId, String topic,
                              int partition, long offset, Instant receivedAt, JsonNode payload) {
        return hash(prevHash, chainSeq, eventId, type, schemaVersion, occurredAt, tenantId, correlationId, userId,
                topic, partition, offset, receivedAt, canonicalPayload(payload));
    }

    /**
     * The same, with the payload already in canonical form ({@link #canonicalPayload}), so that a caller that also
     * stores that text renders the payload once.
     */
    public static String hash(String prevHash, long chainSeq, UUID eventId, String type, int schemaVersion,
                              Instant occurredAt, String tenantId, String correlationId, String userId, String topic,
                              int partition, long offset, Instant receivedAt, String canonicalPayload) {
        StringBuilder canonical = new StringBuilder(256 + canonicalPayload.length());
        canonical.append(prevHash).append('\n').append('{');
        field(canonical, "chainSeq", Long.toString(chainSeq));
        field(canonical, "correlationId", quote(correlationId));
        field(canonical, "eventId", quote(eventId.toString()));
        field(canonical, "occurredAt", quote(occurredAt.toString()));
        field(canonical, "offset", Long.toString(offset));
        field(canonical, "partition", Integer.toString(partition));
        field(canonical, "payload", canonicalPayload);
        field(canonical, "receivedAt", quote(receivedAt.toString()));
        field(canonical, "schemaVersion", Integer.toString(schemaVersion));
        field(canonical, "tenantId", quote(tenantId));
        field(canonical, "topic", quote(topic));
        field(canonical, "type", quote(type));
        canonical.append("\"userId\":").append(quote(userId)).append('}');
        return sha256(canonical.toString());
    }

    /** The payload as canonical JSON (sorted keys, no whitespace, plain numbers): valid JSON of the same document. */
    public static String canonicalPayload(JsonNode payload) {
        StringBuilder text = new StringBuilder(256);
        canonical(payload, text);
        return text.toString();
    }

    /** Hash of a stored row, recomputed from its columns. */
    public static String hash(StoredEvent row) {
        return hash(row.prevHash(), row.chainSeq(), row.eventId(), row.type(), row.schemaVersion(), row.occurredAt(),
                row.tenantId(), row.correlationId(), row.userId(), row.topic(), row.partition(), row.offset(),
                row.receivedAt(), row.payload());
    }

    static void canonical(JsonNode node, StringBuilder out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(quote(names.get(i))).append(':');
                canonical(node.get(names.get(i)), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                canonical(node.get(i), out);
            }
            out.append(']');
        } else if (node.isNumber()) {
            BigDecimal number = node.decimalValue();
            out.append(number.signum() == 0 ? "0" : number.stripTrailingZeros().toPlainString());
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else {
            out.append(quote(node.asText()));
        }
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append('"').append(name).append("\":").append(value).append(',');
    }

    /**
     * {@code text} as a JSON string, escaped exactly as Jackson writes a {@link TextNode} (the form every stored hash
     * was computed over), by Jackson's own escaper: without a JSON generator per string, which made this the largest
     * allocation of ingest.
     */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 8).append('"');
        ESCAPER.quoteAsString(text, quoted);
        return quoted.append('"').toString();
    }

    public static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
