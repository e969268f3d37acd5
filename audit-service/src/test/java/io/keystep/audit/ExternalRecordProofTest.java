package io.keystep.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.BusAccess;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.EventOrigin;
import io.keystep.kit.messaging.TenantProof;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.auth.EventOriginKey;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.keystep.audit.AuditIngestTest.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records crafted by hand on the real broker, as an SMS worker or a gateway of another tenant could write them: a
 * delivery status or a login that does not prove the tenant it names is kept as refused, under no tenant's chain,
 * and never as that tenant's event; a refused status goes to {@code delivery.status.v1.dlq} and its refusal into the
 * trail. delivery-service's own statuses (origin proof) and a worker's for its own tenant are stored as ever.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(AuditPostgresResource.class)
@QuarkusTestResource(JwtTestResource.class)
class ExternalRecordProofTest {

    private static final String STATUS_DLQ = Topics.deadLetter(Topics.DELIVERY_STATUS);

    @Test
    void aStatusNamingAnotherTenantWithAWorkersTokenIsRefusedAndAudited() {
        String attacker = Trail.unique("ta");
        String victim = Trail.unique("tb");
        Envelope<DeliveryStatusChanged> status = status(victim);
        RecordMetadata place = sendStatus(status, Map.of(TenantProof.AUTHORIZATION, "Bearer " + Tokens.worker(attacker)));

        assertRefusedNotStored(status.eventId(), Topics.DELIVERY_STATUS, place, "CROSS_TENANT");
        Map<String, Object> refusal = refusal(attacker, victim);
        JsonNode payload = payload(refusal);
        assertEquals(attacker + "-worker-client", payload.path("subject").asText());
        assertEquals(TenantProof.METHOD, payload.path("method").asText());
        assertEquals(Topics.DELIVERY_STATUS, payload.path("path").asText());
        assertEquals("audit-service", payload.path("service").asText());
        assertDeadLettered(status.eventId(), "CROSS_TENANT");
    }

    @Test
    void aStatusWithNeitherTokenNorOriginProofIsRefusedAndAudited() {
        String victim = Trail.unique("tb");
        Envelope<DeliveryStatusChanged> status = status(victim);
        RecordMetadata place = sendStatus(status, Map.of());

        assertRefusedNotStored(status.eventId(), Topics.DELIVERY_STATUS, place, "UNAUTHENTICATED");
        assertEquals("UNAUTHENTICATED", payload(refusal(TenantProof.UNPROVEN_TENANT, victim)).path("reason").asText());
        assertDeadLettered(status.eventId(), "UNAUTHENTICATED");
    }

    @Test
    void aStatusWithAForgedOriginProofOrAGatewaysTokenIsRefused() {
        String victim = Trail.unique("tb");
        Envelope<DeliveryStatusChanged> forged = status(victim);
        String otherValue = Trail.json(status(victim));
        RecordMetadata place = sendStatus(forged, Map.of(EventOrigin.HEADER,
                EventOriginKey.proof(Topics.DELIVERY_STATUS, Topics.key(victim, "bob"), otherValue)));
        assertRefusedNotStored(forged.eventId(), Topics.DELIVERY_STATUS, place, "UNAUTHENTICATED");

        Envelope<DeliveryStatusChanged> gateway = status(victim);
        place = sendStatus(gateway, Map.of(TenantProof.AUTHORIZATION, "Bearer " + Tokens.gateway(victim)));
        assertRefusedNotStored(gateway.eventId(), Topics.DELIVERY_STATUS, place, "ROLE_NOT_ALLOWED");
    }

    @Test
    void deliveryServicesOwnStatusAndAWorkersStatusForItsTenantAreStored() {
        String tenant = Trail.unique("tb");
        Envelope<DeliveryStatusChanged> own = status(tenant);
        Trail.send(Topics.DELIVERY_STATUS, own, "bob");
        Envelope<DeliveryStatusChanged> worker = status(tenant);
        sendStatus(worker, Map.of(TenantProof.AUTHORIZATION, "Bearer " + Tokens.worker(tenant)));

        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 2);
        assertEquals(1, Trail.rows("event_id = ? AND tenant_id = ?", own.eventId(), tenant).size());
        assertEquals(1, Trail.rows("event_id = ? AND tenant_id = ?", worker.eventId(), tenant).size());
    }

    @Test
    void aLoginNamingAnotherTenantIsKeptAsRefusedOnceNeverAsThatTenantsLogin() {
        String attacker = Trail.unique("ta");
        String victim = Trail.unique("tb");
        Envelope<LoginAttempted> login = AuditIngestTest.login(victim, "carol", Instant.now());
        String key = Topics.key(victim, "carol");
        String value = Trail.json(login);
        RecordMetadata place = sendAs(BusAccess.GATEWAY, Topics.LOGIN, key, value,
                Map.of(TenantProof.AUTHORIZATION, "Bearer " + Tokens.gateway(attacker)));
        // the copy risk-service dead-letters it with: the same record, once more
        Trail.send(Topics.deadLetter(Topics.LOGIN), key, value, Map.of(
                "dead-letter-reason", "the token's tenant is not the event's",
                "dead-letter-topic", Topics.LOGIN,
                "dead-letter-partition", String.valueOf(place.partition()),
                "dead-letter-offset", String.valueOf(place.offset()),
                TenantProof.REFUSAL_HEADER, "CROSS_TENANT"));
        Envelope<LoginAttempted> unsigned = AuditIngestTest.login(victim, "carol", Instant.now());
        RecordMetadata unsignedPlace = sendAs(BusAccess.GATEWAY, Topics.LOGIN, key, Trail.json(unsigned), Map.of());

        assertRefusedNotStored(login.eventId(), Topics.LOGIN, place, "CROSS_TENANT");
        assertRefusedNotStored(unsigned.eventId(), Topics.LOGIN, unsignedPlace, "UNAUTHENTICATED");
        assertTrue(Trail.rows("tenant_id = ?", victim).isEmpty(), "nothing in the named tenant's chain");
    }

    /** The record is in the trail once, as refused under no tenant, and not as the event it claims to be. */
    private static void assertRefusedNotStored(UUID eventId, String topic, RecordMetadata place, String reason) {
        UUID refusedId = UUID.nameUUIDFromBytes(("refused:" + topic + ":" + place.partition() + ":" + place.offset())
                .getBytes(StandardCharsets.UTF_8));
        List<Map<String, Object>> rows = await().atMost(WAIT)
                .until(() -> Trail.rows("event_id = ?", refusedId), r -> r.size() == 1);
        Map<String, Object> row = rows.get(0);
        assertEquals(TenantProof.UNPROVEN_TENANT, row.get("tenant_id"));
        assertEquals("dead-letter", row.get("type"));
        assertEquals(reason, payload(row).path("refusal").asText());
        assertTrue(Trail.rows("event_id = ?", eventId).isEmpty(), "not stored as the event it names");
    }

    private static Map<String, Object> refusal(String tenant, String requestedTenant) {
        return await().atMost(WAIT).until(() -> Trail.rows("type = 'security.access-refused' AND tenant_id = ?"
                        + " AND payload->>'requestedTenant' = ?", tenant, requestedTenant),
                rows -> rows.size() == 1).get(0);
    }

    private static void assertDeadLettered(UUID eventId, String reason) {
        ConsumerRecord<String, String> copy = await().atMost(WAIT).until(() -> deadLetter(eventId),
                Optional::isPresent).get();
        assertEquals(reason, header(copy, TenantProof.REFUSAL_HEADER));
        assertEquals(Topics.DELIVERY_STATUS, header(copy, "dead-letter-topic"));
        assertTrue(!header(copy, "dead-letter-reason").isBlank());
        assertNull(copy.headers().lastHeader(TenantProof.AUTHORIZATION), "the copy keeps no token");
    }

    private static Optional<ConsumerRecord<String, String>> deadLetter(UUID eventId) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(SharedServers.kafka().adminConfig(Map.of(
                "group.id", "dlq-reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest")),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(STATUS_DLQ));
            long deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null && record.value().contains(eventId.toString())) {
                        return Optional.of(record);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Envelope<DeliveryStatusChanged> status(String tenant) {
        return Envelope.of(DeliveryStatusChanged.TYPE, Instant.now(), tenant, "login-" + UUID.randomUUID(),
                new DeliveryStatusChanged("ch-" + UUID.randomUUID(), "bob", Channel.SMS, "twilio",
                        DeliveryStatus.DELIVERED, null, "+4915*****678", "SM9"));
    }

    /** Sends a status as an SMS worker's Kafka principal, which may write the topic for any tenant. */
    private static RecordMetadata sendStatus(Envelope<DeliveryStatusChanged> status, Map<String, String> headers) {
        return sendAs(BusAccess.SMS_WORKER, Topics.DELIVERY_STATUS, Topics.key(status.tenantId(), "bob"),
                Trail.json(status), headers);
    }

    private static RecordMetadata sendAs(String principal, String topic, String key, String value,
                                         Map<String, String> headers) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(SharedServers.kafka()
                .clientConfig(principal, Map.of("acks", "all")), new StringSerializer(), new StringSerializer())) {
            return producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode payload(Map<String, Object> row) {
        try {
            return Trail.JSON.readTree((String) row.get("payload"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
