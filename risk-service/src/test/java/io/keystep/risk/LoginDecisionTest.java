package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.risk.store.RiskProfileStore;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static io.keystep.risk.RiskKafka.verification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class LoginDecisionTest {

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper mapper;

    @Test
    void theExamplesPreparedAtStartComeBackFromTheServicesMapperAsWritten() throws Exception {
        // JsonWarmUp prepares these as the service starts: one that failed would prepare nothing
        assertEquals(java.util.Map.of(), io.keystep.events.EventSamples.prepare(mapper));
        for (io.keystep.events.Envelope<?> sample : io.keystep.events.EventSamples.all()) {
            com.fasterxml.jackson.databind.JavaType type = mapper.getTypeFactory().constructParametricType(
                    io.keystep.events.Envelope.class, sample.payload().getClass());
            assertEquals(sample, mapper.readValue(mapper.writeValueAsString(sample), type), sample.type());
        }
    }

    private static final String IP = "192.0.2.10";

    @Inject
    RedisDataSource redis;

    @Test
    void newDeviceIsChallengedWithReasonNewDevice() {
        String tenant = unique("acme");
        String user = unique("alice");
        String loginId = login(tenant, user, true, "fp-laptop", IP);

        ConsumerRecord<String, String> record = RiskKafka.assessedRecord(loginId);
        JsonNode envelope = RiskKafka.read(record.value());
        JsonNode payload = envelope.path("payload");
        assertEquals(Topics.key(tenant, user), record.key());
        assertEquals(tenant, envelope.path("tenantId").asText());
        assertEquals("risk.assessed", envelope.path("type").asText());
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertTrue(reasons(payload).contains("NEW_DEVICE"), () -> "reasons " + reasons(payload));
        assertEquals(user, payload.path("userId").asText());
        assertEquals("LOGIN", payload.path("purpose").asText());
        assertEquals("fp-laptop", payload.path("deviceFingerprint").asText());
    }

    @Test
    void failedPasswordIsDeniedRecordedAndNeverChallenged() {
        String tenant = unique("acme");
        String user = unique("bob");
        String loginId = login(tenant, user, false, "fp-phone", IP);

        JsonNode payload = assessment(loginId);
        assertEquals("DENY", payload.path("decision").asText());
        assertEquals(List.of("PASSWORD_NOT_VERIFIED"), reasons(payload));
        String failures = RiskProfileStore.userPrefix(tenant, user) + "failures";
        assertNotNull(redis.sortedSet(String.class).zscore(failures, loginId));
        long ttl = redis.key().pttl(failures);
        assertTrue(ttl > 0 && ttl <= Duration.ofMinutes(30).toMillis(), "failures expire with their window: " + ttl);
    }

    @Test
    void approvedVerificationMakesTheDeviceKnownSoTheNextLoginIsAllowed() {
        String tenant = unique("acme");
        String user = unique("carol");
        String first = login(tenant, user, true, "fp-tablet", IP);
        assertEquals("CHALLENGE", assessment(first).path("decision").asText());

        verification(tenant, user, first, Outcome.APPROVED, "fp-tablet");
        awaitDeviceKnown(tenant, user, "fp-tablet");

        String second = login(tenant, user, true, "fp-tablet", IP);
        JsonNode payload = assessment(second);
        assertEquals("ALLOW", payload.path("decision").asText());
        assertFalse(reasons(payload).contains("NEW_DEVICE"));
    }

    @Test
    void deviceIsStoredOnlyAsItsSha256UnderTheUsersHashTag() {
        String tenant = unique("acme");
        String user = unique("dave");
        verification(tenant, user, null, Outcome.APPROVED, "fp-raw-secret");
        awaitDeviceKnown(tenant, user, "fp-raw-secret");

        String devices = RiskProfileStore.userPrefix(tenant, user) + "devices";
        assertEquals("risk:{" + tenant + ":" + user + "}:devices", devices);
        List<String> fields = redis.hash(String.class).hkeys(devices);
        assertEquals(List.of(RiskProfileStore.fingerprintHash("fp-raw-secret")), fields);
        assertEquals(64, fields.get(0).length());
        long ttl = redis.key().pttl(devices);
        assertTrue(ttl > Duration.ofDays(29).toMillis() && ttl <= Duration.ofDays(30).toMillis(),
                "devices expire with the device window: " + ttl);
    }

    @Test
    void rejectedVerificationDoesNotMakeTheDeviceKnown() {
        String tenant = unique("acme");
        String user = unique("erin");
        verification(tenant, user, null, Outcome.REJECTED, "fp-stolen");
        // Same key, same partition: once the later approval is learned, the rejection was processed before it.
        verification(tenant, user, null, Outcome.APPROVED, "fp-other");
        awaitDeviceKnown(tenant, user, "fp-other");

        assertFalse(deviceKnown(tenant, user, "fp-stolen"));
        String loginId = login(tenant, user, true, "fp-stolen", IP);
        JsonNode payload = assessment(loginId);
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertTrue(reasons(payload).contains("NEW_DEVICE"));
    }

    @Test
    void bareLoginsNeverMakeADeviceKnown() {
        String tenant = unique("acme");
        String user = unique("fred");
        assertEquals("CHALLENGE", assessment(login(tenant, user, true, "fp-desk", IP)).path("decision").asText());
        assertEquals("CHALLENGE", assessment(login(tenant, user, true, "fp-desk", IP)).path("decision").asText());
        assertFalse(deviceKnown(tenant, user, "fp-desk"));
    }

    @Test
    void redeliveredLoginGetsTheSameDecisionEvenAfterTheDeviceBecameKnown() {
        String tenant = unique("acme");
        String user = unique("gina");
        String loginId = unique("login");
        Envelope<LoginAttempted> event = RiskKafka.loginEvent(tenant, user, loginId, true, "fp-watch", IP,
                Purpose.LOGIN);
        RiskKafka.send(Topics.LOGIN, tenant, user, RiskKafka.write(event));
        assertEquals("CHALLENGE", assessment(loginId).path("decision").asText());

        verification(tenant, user, loginId, Outcome.APPROVED, "fp-watch");
        awaitDeviceKnown(tenant, user, "fp-watch");
        RiskKafka.send(Topics.LOGIN, tenant, user, RiskKafka.write(event));

        List<ConsumerRecord<String, String>> records = await().atMost(Duration.ofSeconds(30))
                .until(() -> RiskKafka.assessedRecords(loginId), list -> list.size() == 2);
        assertEquals(records.get(0).value(), records.get(1).value());
    }

    @Test
    void malformedLoginGoesToTheDeadLetterTopicAndTheNextLoginIsStillDecided() {
        String tenant = unique("acme");
        String user = unique("hank");
        String marker = unique("broken");
        // A login without user, device or IP: the event's own constructor rejects it.
        RiskKafka.send(Topics.LOGIN, tenant, user,
                "{\"eventId\":\"" + java.util.UUID.randomUUID() + "\",\"type\":\"auth.login\",\"schemaVersion\":1,"
                        + "\"occurredAt\":\"2026-01-01T00:00:00Z\",\"tenantId\":\"" + tenant
                        + "\",\"correlationId\":\"" + marker + "\",\"payload\":{\"loginId\":\"" + marker + "\"}}");
        RiskKafka.send(Topics.LOGIN, tenant, user, "not json at all " + marker);

        await().atMost(Duration.ofSeconds(30)).until(() -> RiskKafka.loginDeadLetters().stream()
                .filter(r -> r.value().contains(marker)).count() == 2);

        String loginId = login(tenant, user, true, "fp-good", IP);
        assertEquals("CHALLENGE", assessment(loginId).path("decision").asText());
    }

    @Test
    void malformedVerificationGoesToItsDeadLetterTopicAndTheNextIsStillLearned() {
        String tenant = unique("acme");
        String user = unique("iris");
        String marker = unique("broken");
        RiskKafka.send(Topics.VERIFICATION_COMPLETED, tenant, user, "{\"type\":\"verification.completed\",\"x\":\""
                + marker + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> RiskKafka.verificationDeadLetters().stream()
                .anyMatch(r -> r.value().contains(marker)));

        verification(tenant, user, null, Outcome.APPROVED, "fp-after");
        awaitDeviceKnown(tenant, user, "fp-after");
    }

    private void awaitDeviceKnown(String tenant, String user, String fingerprint) {
        RiskProfiles.awaitDeviceKnown(redis, tenant, user, fingerprint);
    }

    private boolean deviceKnown(String tenant, String user, String fingerprint) {
        return RiskProfiles.deviceKnown(redis, tenant, user, fingerprint);
    }
}
