package io.keystep.audit;

import io.keystep.audit.domain.RedactionTimeTest;
import io.keystep.events.Topics;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A record of 256 KiB shaped to make a redaction pattern walk it over and over, sent on {@code delivery.status.v1}
 * as an SMS worker could, is stored within a second: one such record cannot stall the compliance trail.
 */
@QuarkusTest
class RedactionIngestTest {

    /** The one timed assertion the trail makes: a record of the worst shape is stored within this. */
    static final Duration WITHIN = Duration.ofSeconds(1);

    @Test
    void recordsOfTheWorstShapesAreEachStoredWithinASecond() {
        String tenant = Trail.unique("shapes");
        // the consumer is running and has its partitions, and a record of this size has been through every step once,
        // before the clock starts
        stored(tenant, send(tenant, "warm up ".repeat(RedactionTimeTest.SIZE / 8)), AuditIngestTest.WAIT);
        for (Map.Entry<String, String> shape : RedactionTimeTest.worstShapes().entrySet()) {
            // as raw text (unparseable: redacted by pattern) and as a JSON status whose fields carry the shape
            String raw = shape.getValue();
            String json = "{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"delivery.status\",\"schemaVersion\":1,"
                    + "\"occurredAt\":\"2026-06-01T10:00:00Z\",\"tenantId\":\"" + tenant + "\",\"correlationId\":\"c\","
                    + "\"payload\":{\"destination\":" + quoted(raw.substring(0, raw.length() / 3)) + ",\"detail\":"
                    + quoted(raw.substring(0, raw.length() / 3)) + "}}";
            for (String value : List.of(raw, json)) {
                RecordMetadata place = send(tenant, value);
                try {
                    stored(tenant, place, WITHIN);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("a record of shape \"" + shape.getKey() + "\" (" + value.length()
                            + " characters) was not stored within " + WITHIN, e);
                }
            }
        }
        // what the shapes would have been had they completed is still redacted
        RecordMetadata place = send(tenant, "a".repeat(200_000) + " jane.doe@example.com +4915123456678 "
                + "7".repeat(50_000));
        Map<String, Object> row = stored(tenant, place, WITHIN);
        String payload = (String) row.get("payload");
        assertTrue(payload.contains("j***@example.com"), "the e-mail address is masked");
        assertFalse(payload.contains("jane.doe@"), "the e-mail address is masked");
        assertFalse(payload.contains("+4915123456678"), "the phone number is masked");
    }

    private static String quoted(String text) {
        return Trail.json(text);
    }

    /** Sends as delivery-service would (its origin proof), so that the record is stored under the tenant. */
    private static RecordMetadata send(String tenant, String value) {
        String key = Topics.key(tenant, "u1");
        assertTrue(value.getBytes(StandardCharsets.UTF_8).length <= 300 * 1024);
        return Trail.sent(Topics.DELIVERY_STATUS, key, value, Trail.proof(Topics.DELIVERY_STATUS, tenant, key, value));
    }

    private static Map<String, Object> stored(String tenant, RecordMetadata place, Duration within) {
        return await().atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> Trail.rows(
                        "tenant_id = ? AND topic = ? AND \"partition\" = ? AND \"offset\" = ?", tenant,
                        Topics.DELIVERY_STATUS, place.partition(), place.offset()), rows -> rows.size() == 1).get(0);
    }
}
