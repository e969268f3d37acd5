package io.keystep.audit;

import io.keystep.events.AccessRefused;
import io.keystep.events.Envelope;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Device;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(AuditPostgresResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(CheckpointKeyResource.class)
class AuditIngestTest {

    @jakarta.inject.Inject
    com.fasterxml.jackson.databind.ObjectMapper mapper;

    @Test
    void everyExampleTheServiceTranslatesAtStartIsValidAsTheEventItNames() throws Exception {
        // JsonWarmUp translates these as the service starts: one that failed would prepare nothing
        io.keystep.audit.domain.EventTranslator translator = new io.keystep.audit.domain.EventTranslator(mapper);
        List<String> types = new ArrayList<>();
        for (Envelope<?> sample : io.keystep.events.EventSamples.all()) {
            io.keystep.audit.domain.AuditEntry entry = translator.translate(new io.keystep.audit.domain.IncomingRecord(
                    "example", 0, 0, Instant.now(), "example", mapper.writeValueAsString(sample), Map.of()));
            assertEquals(sample.type(), entry.type(), "translated as itself, not as malformed: " + entry.payload());
            assertEquals(io.keystep.events.EventSamples.TENANT, entry.tenantId());
            types.add(entry.type());
        }
        assertEquals(List.of(LoginAttempted.TYPE, io.keystep.events.RiskAssessed.TYPE,
                io.keystep.events.ChallengeIssued.TYPE, io.keystep.events.LoginDecided.TYPE,
                io.keystep.events.DeliveryStatusChanged.TYPE, io.keystep.events.VerificationCompleted.TYPE), types,
                "one example of each event on a login's or a check's path");
    }

    static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void consumesEveryPlatformTopicAndItsDeadLetterTopic() {
        List<String> expected = new ArrayList<>(Topics.ALL);
        Topics.ALL.forEach(t -> expected.add(Topics.deadLetter(t)));
        String configured = ConfigProvider.getConfig().getValue("mp.messaging.incoming.audit-in.topics", String.class);
        assertEquals(expected.stream().sorted().toList(), Arrays.stream(configured.split(",")).map(String::trim).sorted().toList());
    }

    @Test
    void everyEventTypeIsStoredOnceWithItsEnvelopeAsColumns() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        Instant at = Instant.parse("2026-03-10T08:00:00.123456Z");
        var thread = Trail.thread(tenant, user, at);
        thread.forEach(e -> Trail.send(e.getKey(), e.getValue(), user));

        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == thread.size());
        var rows = Trail.rows("tenant_id = ?", tenant);
        for (var sent : thread) {
            Envelope<?> envelope = sent.getValue();
            var row = rows.stream().filter(r -> r.get("event_id").equals(envelope.eventId())).findFirst().orElseThrow();
            assertEquals(envelope.type(), row.get("type"));
            assertEquals(1, row.get("schema_version"));
            assertEquals(envelope.occurredAt(), ((java.sql.Timestamp) row.get("occurred_at")).toInstant());
            assertEquals(envelope.correlationId(), row.get("correlation_id"));
            assertEquals(user, row.get("user_id"));
            assertEquals(sent.getKey(), row.get("topic"));
            assertTrue(((Number) row.get("offset")).longValue() >= 0);
            assertTrue(row.get("received_at") != null);
            assertTrue(((String) row.get("payload")).contains(user));
        }
    }

    @Test
    void aRedeliveredEventIsStoredOnce() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        Envelope<LoginAttempted> login = login(tenant, user, Instant.parse("2026-03-11T09:00:00Z"));
        Trail.send(Topics.LOGIN, login, user);
        Trail.send(Topics.LOGIN, login, user);
        Envelope<LoginAttempted> after = login(tenant, user, Instant.parse("2026-03-11T09:01:00Z"));
        Trail.send(Topics.LOGIN, after, user);

        // same key, same partition: once the later event is stored, both copies of the first were consumed
        await().atMost(WAIT).until(() -> Trail.rows("event_id = ?", after.eventId()).size() == 1);
        assertEquals(1, Trail.rows("event_id = ?", login.eventId()).size());
        assertEquals(2, Trail.rows("tenant_id = ?", tenant).size());
    }

    @Test
    void aDeadLetterRecordIsStoredAsDeadLetterWithItsOriginAndReason() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        String raw = "{\"eventId\":\"broken\",\"payload\":{\"sealedCode\":\"" + Trail.SEALED + "\",\"destination\":\""
                + Trail.PHONE + "\"}";
        Trail.send(Topics.deadLetter(Topics.CHALLENGE_ISSUED), Topics.key(tenant, user), raw,
                Map.of("dead-letter-reason", "payload does not parse", "dead-letter-topic", Topics.CHALLENGE_ISSUED,
                        "dead-letter-partition", "2", "dead-letter-offset", "41"));

        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 1);
        var row = Trail.rows("tenant_id = ?", tenant).get(0);
        assertEquals("dead-letter", row.get("type"));
        assertEquals(user, row.get("user_id"));
        assertEquals(Topics.deadLetter(Topics.CHALLENGE_ISSUED), row.get("topic"));
        String payload = (String) row.get("payload");
        assertTrue(payload.contains("\"originalTopic\": \"challenge.issued.v1\""), payload);
        assertTrue(payload.contains("payload does not parse"), payload);
        assertTrue(payload.contains("\"raw\""), payload);
        assertFalse(payload.contains(Trail.SEALED), payload);
        assertFalse(payload.contains(Trail.PHONE), payload);
        UUID expectedId = UUID.nameUUIDFromBytes(("dead-letter:" + row.get("topic") + ":" + row.get("partition") + ":"
                + row.get("offset")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(expectedId, row.get("event_id"));
    }

    @Test
    void aMalformedRecordIsStoredAsMalformedAndConsumingGoesOn() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        Trail.send(Topics.LOGIN, Topics.key(tenant, user), "this is not json \u0000 at all", Map.of());
        Trail.send(Topics.LOGIN, Topics.key(tenant, user), "{\"eventId\":\"" + UUID.randomUUID()
                + "\",\"type\":\"auth.login\",\"schemaVersion\":1,\"occurredAt\":\"2026-03-01T00:00:00Z\",\"tenantId\":\""
                + tenant + "\",\"correlationId\":\"l1\",\"payload\":{\"userId\":\"" + user + "\"}}", Map.of());
        Envelope<LoginAttempted> valid = login(tenant, user, Instant.parse("2026-03-12T10:00:00Z"));
        Trail.send(Topics.LOGIN, valid, user);

        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 3);
        var rows = Trail.rows("tenant_id = ?", tenant);
        assertEquals(2, rows.stream().filter(r -> "malformed".equals(r.get("type"))).count());
        assertTrue(rows.stream().allMatch(r -> user.equals(r.get("user_id"))));
        assertEquals(1, Trail.rows("event_id = ?", valid.eventId()).size());
    }

    @Test
    void noSealedCodeAndNoUnmaskedPhoneNumberIsEverStored() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        var thread = Trail.thread(tenant, user, Instant.parse("2026-03-13T10:00:00Z"));
        thread.forEach(e -> Trail.send(e.getKey(), e.getValue(), user));
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == thread.size());

        var issued = Trail.rows("tenant_id = ? AND type = 'challenge.issued'", tenant).get(0);
        assertTrue(((String) issued.get("payload")).contains("\"sealedCode\": \"[sealed]\""), (String) issued.get("payload"));
        assertTrue(((String) issued.get("payload")).contains("+4915******678"), (String) issued.get("payload"));
        for (var row : Trail.rows("true")) {
            String payload = (String) row.get("payload");
            assertFalse(payload.contains(Trail.SEALED), payload);
            assertFalse(payload.contains(Trail.PHONE), payload);
        }
    }

    @Test
    void theQueryFiltersByUserTypeAndTimeNewestFirst() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        String other = Trail.unique("u");
        Instant base = Instant.parse("2026-04-01T12:00:00Z");
        List<Envelope<LoginAttempted>> logins = List.of(login(tenant, user, base), login(tenant, user, base.plusSeconds(60)),
                login(tenant, user, base.plusSeconds(120)));
        logins.forEach(l -> Trail.send(Topics.LOGIN, l, user));
        Trail.send(Topics.LOGIN, login(tenant, other, base.plusSeconds(30)), other);
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 4);

        Callers.compliance(tenant).queryParam("userId", user).queryParam("type", "auth.login")
                .when().get("/v1/audit/events")
                .then().statusCode(200)
                .body("eventId", contains(logins.get(2).eventId().toString(), logins.get(1).eventId().toString(),
                        logins.get(0).eventId().toString()))
                .body("[0].tenantId", equalTo(tenant))
                .body("[0].userId", equalTo(user))
                .body("[0].topic", equalTo(Topics.LOGIN))
                .body("[0].schemaVersion", equalTo(1))
                .body("[0].occurredAt", equalTo("2026-04-01T12:02:00Z"))
                .body("[0].payload.loginId", equalTo(logins.get(2).payload().loginId()));

        Callers.compliance(tenant).queryParam("userId", user)
                .queryParam("from", base.plusSeconds(30).toString()).queryParam("to", base.plusSeconds(120).toString())
                .when().get("/v1/audit/events")
                .then().statusCode(200)
                .body("eventId", contains(logins.get(1).eventId().toString()));

        Callers.compliance(tenant).queryParam("userId", user)
                .queryParam("from", "2026-04-01").queryParam("to", "2026-04-01T12:01:00")
                .when().get("/v1/audit/events")
                .then().statusCode(200)
                .body("eventId", contains(logins.get(0).eventId().toString()));

        Callers.compliance(tenant).queryParam("type", "risk.assessed")
                .when().get("/v1/audit/events")
                .then().statusCode(200).body("$", hasSize(0));

        Callers.compliance("someone-else").queryParam("userId", user)
                .when().get("/v1/audit/events")
                .then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void pagesFollowTheCursorWithoutGapsOrRepeats() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        Instant base = Instant.parse("2026-05-01T12:00:00Z");
        for (int i = 0; i < 5; i++) {
            Trail.send(Topics.LOGIN, login(tenant, user, base.plusSeconds(i)), user);
        }
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 5);
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var request = Callers.compliance(tenant).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            var response = request.when().get("/v1/audit/events").then().statusCode(200).extract();
            seen.addAll(response.jsonPath().getList("occurredAt"));
            cursor = response.header("X-Next-Cursor");
        } while (cursor != null);
        assertEquals(List.of("2026-05-01T12:00:04Z", "2026-05-01T12:00:03Z", "2026-05-01T12:00:02Z",
                "2026-05-01T12:00:01Z", "2026-05-01T12:00:00Z"), seen);
    }

    @Test
    void badQueryParametersAreProblemsNamingTheParameter() {
        Callers.compliance("t").queryParam("from", "last tuesday")
                .when().get("/v1/audit/events")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors[0].field", equalTo("from"));
        Callers.compliance("t").queryParam("limit", "100000")
                .when().get("/v1/audit/events")
                .then().statusCode(400).body("errors[0].field", equalTo("limit"));
        given().when().get("/v1/audit/events")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", equalTo("Bearer"))
                .body("detail", containsString("token"));
        Callers.compliance("t").queryParam("cursor", "%%%")
                .when().get("/v1/audit/events")
                .then().statusCode(400).body("errors[0].field", equalTo("cursor")).body("title", notNullValue());
    }

    @Test
    void theFrameworksOwnRefusalsAreTypedProblemsToo() {
        Callers.compliance("t").when().get("/v1/audit/nothing-here")
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/http-404"));
        Callers.compliance("t").when().delete("/v1/audit/events")
                .then().statusCode(405).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/http-405"));
        Callers.admin("t").contentType("application/json").body("{broken").when().put("/v1/settings/audit")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors[0].field", equalTo("body"));
    }

    @Test
    void everyBadParameterOfARequestIsNamedInOneProblem() {
        Callers.compliance("t").queryParam("limit", "-5").queryParam("from", "yesterday").queryParam("cursor", "%%%")
                .when().get("/v1/audit/events")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", contains("from", "cursor", "limit"))
                .body("detail", containsString("from: ")).body("detail", containsString("limit: "));
        // a from after to is named beside a bad format
        Callers.compliance("t").queryParam("format", "xml").queryParam("from", "2026-05-02")
                .queryParam("to", "2026-05-01").when().get("/v1/audit/export")
                .then().statusCode(400).body("errors.field", contains("format", "to"));
        Callers.compliance("t").queryParam("from", "soon").queryParam("to", "later")
                .when().get("/v1/audit/verify")
                .then().statusCode(400).body("errors.field", contains("from", "to"));
        Callers.compliance("t").queryParam("limit", "0").queryParam("cursor", "x")
                .when().get("/v1/audit/users/u-1/timeline")
                .then().statusCode(400).body("errors.field", contains("limit", "cursor"));
    }

    @Test
    void accessRefusalsAndSettingsChangesAreStoredWithTheCallerAsUserAndAreQueryable() {
        String tenant = Trail.unique("t");
        Envelope<AccessRefused> refused = Envelope.of(AccessRefused.TYPE, Instant.parse("2026-03-14T10:00:00Z"), tenant,
                "refusal-1", new AccessRefused("gateway-7", "challenge-service", "GET", "/v1/logins/l-1",
                        AccessRefused.Reason.CROSS_TENANT, "someone-else"));
        Envelope<TenantSettingsChanged> changed = Envelope.of(TenantSettingsChanged.TYPE,
                Instant.parse("2026-03-14T10:01:00Z"), tenant, "settings-1", new TenantSettingsChanged("verify",
                        "admin-3", List.of(new TenantSettingsChanged.Change("codeLength", null, "8"))));
        Trail.send(Topics.ACCESS_REFUSED, refused, "gateway-7");
        Trail.send(Topics.TENANT_SETTINGS_CHANGED, changed, "admin-3");
        // an access refusal without its subject is not a valid event of its type
        Trail.send(Topics.ACCESS_REFUSED, Topics.key(tenant, "x"), Trail.json(Envelope.of(AccessRefused.TYPE,
                Instant.parse("2026-03-14T10:02:00Z"), tenant, "refusal-2", Map.of("service", "risk-service"))), Map.of());
        // and both topics have their dead letters audited
        Trail.send(Topics.deadLetter(Topics.TENANT_SETTINGS_CHANGED), Topics.key(tenant, "admin-3"), "{broken",
                Map.of("dead-letter-reason", "unreadable", "dead-letter-topic", Topics.TENANT_SETTINGS_CHANGED));
        Trail.send(Topics.deadLetter(Topics.ACCESS_REFUSED), Topics.key(tenant, "gateway-7"), "{broken",
                Map.of("dead-letter-reason", "unreadable", "dead-letter-topic", Topics.ACCESS_REFUSED));

        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 5);
        var refusal = Trail.rows("event_id = ?", refused.eventId()).get(0);
        assertEquals(AccessRefused.TYPE, refusal.get("type"));
        assertEquals("gateway-7", refusal.get("user_id"));
        assertEquals(Topics.ACCESS_REFUSED, refusal.get("topic"));
        var change = Trail.rows("event_id = ?", changed.eventId()).get(0);
        assertEquals(TenantSettingsChanged.TYPE, change.get("type"));
        assertEquals("admin-3", change.get("user_id"));
        assertEquals(1, Trail.rows("tenant_id = ? AND type = 'malformed' AND topic = ?", tenant, Topics.ACCESS_REFUSED).size());
        assertEquals(2, Trail.rows("tenant_id = ? AND type = 'dead-letter'", tenant).size());

        Callers.compliance(tenant).queryParam("type", AccessRefused.TYPE).when().get("/v1/audit/events")
                .then().statusCode(200).body("eventId", contains(refused.eventId().toString()))
                .body("[0].userId", equalTo("gateway-7")).body("[0].payload.reason", equalTo("CROSS_TENANT"))
                .body("[0].payload.requestedTenant", equalTo("someone-else"));
        Callers.compliance(tenant).queryParam("userId", "admin-3").queryParam("type", TenantSettingsChanged.TYPE)
                .when().get("/v1/audit/events")
                .then().statusCode(200).body("eventId", contains(changed.eventId().toString()))
                .body("[0].payload.area", equalTo("verify"))
                .body("[0].payload.changes[0].field", equalTo("codeLength"))
                .body("[0].payload.changes[0].after", equalTo("8"));
        Callers.compliance(tenant).when().get("/v1/audit/users/gateway-7/timeline")
                .then().statusCode(200).body("type", contains(AccessRefused.TYPE, "dead-letter"));
    }

    static Envelope<LoginAttempted> login(String tenant, String user, Instant at) {
        String loginId = "login-" + UUID.randomUUID();
        return Envelope.of(LoginAttempted.TYPE, at.truncatedTo(ChronoUnit.MICROS), tenant, loginId,
                new LoginAttempted(loginId, user, true, new Device("fp", "ua"), "198.51.100.7", Purpose.LOGIN));
    }
}
