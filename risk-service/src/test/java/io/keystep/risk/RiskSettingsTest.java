package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tenant risk settings: defaults, bounds, the change event, and that they decide that tenant's logins only. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class RiskSettingsTest {

    private static final String IP = "192.0.2.10";
    private static ConsumerTask<String, String> changes;

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void readChanges() {
        changes = RiskKafka.companion().consumeStrings().fromTopics(Topics.TENANT_SETTINGS_CHANGED);
    }

    @Test
    void aTenantWithoutSettingsSeesThePlatformDefaults() {
        Callers.admin(unique("fresh")).get("/v1/settings/risk").then()
                .statusCode(200)
                .body("newDevice", equalTo(50)).body("newCountry", equalTo(30))
                .body("impossibleTravel", equalTo(60)).body("unusualHour", equalTo(15))
                .body("invalidDeviceToken", equalTo(20)).body("allowedNetwork", equalTo(-30))
                .body("userReportedFraud", equalTo(40)).body("userReportedFraudWindowDays", equalTo(30))
                .body("challengeAt", equalTo(40)).body("denyAt", equalTo(100))
                .body("onStuffing", equalTo("CHALLENGE")).body("alwaysChallenge", equalTo(false))
                .body("unusualHourWindowDays", equalTo(90)).body("impossibleTravelSpeedKmh", equalTo(900))
                .body("userFailureLimit", equalTo(3)).body("ipFailureLimit", equalTo(20))
                .body("allowNetworks", empty()).body("denyNetworks", empty())
                .body("overridden", empty());
    }

    @Test
    void aConfiguredTenantPolicyIsItsDefault() {
        Callers.admin("strict").get("/v1/settings/risk").then()
                .statusCode(200).body("challengeAt", equalTo(30)).body("denyAt", equalTo(50))
                .body("onStuffing", equalTo("DENY"));
    }

    @Test
    void valuesOutsideTheirBoundsAreRefusedNamingTheField() {
        String tenant = unique("bounds");
        refused(tenant, "{\"newDevice\": 201}", "newDevice");
        refused(tenant, "{\"newDevice\": -1}", "newDevice");
        refused(tenant, "{\"allowedNetwork\": 5}", "allowedNetwork");
        refused(tenant, "{\"challengeAt\": 0}", "challengeAt");
        refused(tenant, "{\"denyAt\": 1001}", "denyAt");
        refused(tenant, "{\"challengeAt\": 120}", "challengeAt");
        refused(tenant, "{\"denyAt\": 30}", "denyAt");
        refused(tenant, "{\"challengeAt\": 70, \"denyAt\": 60}", "challengeAt");
        refused(tenant, "{\"unusualHourWindowDays\": 6}", "unusualHourWindowDays");
        refused(tenant, "{\"unusualHourWindowDays\": 91}", "unusualHourWindowDays");
        refused(tenant, "{\"impossibleTravelSpeedKmh\": 99}", "impossibleTravelSpeedKmh");
        refused(tenant, "{\"userFailureLimit\": 0}", "userFailureLimit");
        refused(tenant, "{\"ipFailureLimit\": 4}", "ipFailureLimit");
        refused(tenant, "{\"userReportedFraud\": 201}", "userReportedFraud");
        refused(tenant, "{\"userReportedFraud\": -1}", "userReportedFraud");
        refused(tenant, "{\"userReportedFraudWindowDays\": 0}", "userReportedFraudWindowDays");
        refused(tenant, "{\"userReportedFraudWindowDays\": 366}", "userReportedFraudWindowDays");
        refused(tenant, "{\"userReportedFraudWindowDays\": \"30D\"}", "userReportedFraudWindowDays");
        refused(tenant, "{\"onStuffing\": \"ALLOW\"}", "onStuffing");
        refused(tenant, "{\"onStuffing\": \"MAYBE\"}", "onStuffing");
        refused(tenant, "{\"newDevice\": \"many\"}", "newDevice");
        refused(tenant, "{\"allowNetworks\": [\"10.0.0.0/33\"]}", "allowNetworks");
        refused(tenant, "{\"denyNetworks\": \"10.0.0.0/8\"}", "denyNetworks");
        refused(tenant, "{\"newDevise\": 10}", "newDevise");
        // Nothing was stored by a refused request.
        Callers.admin(tenant).get("/v1/settings/risk").then().statusCode(200).body("overridden", empty());
    }

    @Test
    void theReportedFraudSettingsAreShownTakenAndPublished() {
        String tenant = unique("reported");
        Callers.admin(tenant).contentType("application/json")
                .body("{\"userReportedFraud\": 200, \"userReportedFraudWindowDays\": 365}")
                .put("/v1/settings/risk").then().statusCode(200)
                .body("userReportedFraud", equalTo(200)).body("userReportedFraudWindowDays", equalTo(365))
                .body("overridden", contains("userReportedFraud", "userReportedFraudWindowDays"));
        Callers.admin(tenant).contentType("application/json")
                .body("{\"userReportedFraud\": 0, \"userReportedFraudWindowDays\": 1}")
                .put("/v1/settings/risk").then().statusCode(200)
                .body("userReportedFraud", equalTo(0)).body("userReportedFraudWindowDays", equalTo(1));

        JsonNode second = RiskKafka.read(change(tenant, 2).get(1).value()).path("payload").path("changes");
        assertEquals(2, second.size());
        assertEquals("userReportedFraud", second.get(0).path("field").asText());
        assertEquals("200", second.get(0).path("before").asText());
        assertEquals("0", second.get(0).path("after").asText());
        assertEquals("userReportedFraudWindowDays", second.get(1).path("field").asText());
        assertEquals("365", second.get(1).path("before").asText());
        assertEquals("1", second.get(1).path("after").asText());
    }

    @Test
    void oneRefusalNamesEveryBadSetting() {
        String tenant = unique("many");
        Callers.admin(tenant).contentType("application/json").body("{\"newDevice\": 10}")
                .put("/v1/settings/risk").then().statusCode(200);
        change(tenant, 1);

        // Bad fields out of declared order, among good ones: the answer follows the body.
        Callers.admin(tenant).contentType("application/json")
                .body("{\"denyNetworks\": [\"10.0.0.0/33\"], \"newDevice\": 20, \"newDevise\": 10,"
                        + " \"alwaysChallenge\": \"yes\", \"impossibleTravel\": 500, \"unusualHour\": 0}")
                .put("/v1/settings/risk").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors.field", contains("denyNetworks", "newDevise", "alwaysChallenge", "impossibleTravel"))
                .body("errors.message", contains("'10.0.0.0/33' is not an IP network in CIDR notation",
                        "is not a risk setting", "has a value of the wrong type", "must be between 0 and 200"))
                .body("detail", equalTo("denyNetworks: '10.0.0.0/33' is not an IP network in CIDR notation; "
                        + "newDevise: is not a risk setting; alwaysChallenge: has a value of the wrong type; "
                        + "impossibleTravel: must be between 0 and 200"));

        // Nothing of the refused body was stored, its good fields neither, and nothing was published: the next
        // change is the tenant's second event.
        Callers.admin(tenant).get("/v1/settings/risk").then().statusCode(200)
                .body("newDevice", equalTo(10)).body("unusualHour", equalTo(15))
                .body("alwaysChallenge", equalTo(false)).body("denyNetworks", empty())
                .body("overridden", contains("newDevice"));
        Callers.admin(tenant).contentType("application/json").body("{\"newDevice\": 11}")
                .put("/v1/settings/risk").then().statusCode(200);
        JsonNode second = RiskKafka.read(change(tenant, 2).get(1).value()).path("payload").path("changes");
        assertEquals(1, second.size());
        assertEquals("10", second.get(0).path("before").asText());
        assertEquals("11", second.get(0).path("after").asText());
    }

    @Test
    void challengeAtAboveDenyAtIsNamedAlongsideTheOtherBadSettings() {
        String tenant = unique("pair");
        Callers.admin(tenant).contentType("application/json")
                .body("{\"userFailureLimit\": 0, \"challengeAt\": 70, \"denyAt\": 60,"
                        + " \"onStuffing\": \"MAYBE\"}")
                .put("/v1/settings/risk").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", contains("userFailureLimit", "challengeAt", "onStuffing"))
                .body("errors[1].message", equalTo("must not exceed denyAt (60)"));
        Callers.admin(tenant).get("/v1/settings/risk").then().statusCode(200).body("overridden", empty());
    }

    @Test
    void aBadThresholdIsNotComparedWithItsPartner() {
        String tenant = unique("partner");
        // denyAt 30 is valid alone; it is below challengeAt only if the bad challengeAt were read as the default 40.
        refused(tenant, "{\"challengeAt\": \"high\", \"denyAt\": 30}", "challengeAt");
        refused(tenant, "{\"challengeAt\": 1001, \"denyAt\": 30, \"newDevice\": 1.5}",
                "challengeAt", "newDevice");
        refused(tenant, "{\"denyAt\": 0, \"challengeAt\": 70}", "denyAt");
    }

    /** Refused with exactly these fields named, in this order. */
    private static void refused(String tenant, String body, String... fields) {
        Callers.admin(tenant).contentType("application/json").body(body).put("/v1/settings/risk").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors.field", contains(fields));
    }

    @Test
    void aChangeIsStoredPerTenantAndPublishedWithItsBeforeAndAfter() {
        String tenant = unique("changes");
        Callers.admin(tenant).contentType("application/json")
                .body("{\"newDevice\": 10, \"denyNetworks\": [\"203.0.113.0/24\"]}")
                .put("/v1/settings/risk").then().statusCode(200)
                .body("newDevice", equalTo(10)).body("newCountry", equalTo(30))
                .body("denyNetworks", contains("203.0.113.0/24"))
                .body("overridden", contains("newDevice", "denyNetworks"));
        assertTrue(redis.key().exists("risk:{" + tenant + "}:settings"), "stored under the tenant's hash tag");

        ConsumerRecord<String, String> first = change(tenant, 1).get(0);
        JsonNode envelope = RiskKafka.read(first.value());
        JsonNode payload = envelope.path("payload");
        String subject = payload.path("changedBy").asText();
        assertEquals(Topics.key(tenant, subject), first.key());
        assertEquals("tenant.settings-changed", envelope.path("type").asText());
        assertEquals("risk", payload.path("area").asText());
        assertEquals(tenant + "-admin-client", subject);
        assertEquals(2, payload.path("changes").size());
        assertEquals("newDevice", payload.path("changes").get(0).path("field").asText());
        assertTrue(payload.path("changes").get(0).path("before").isNull());
        assertEquals("10", payload.path("changes").get(0).path("after").asText());

        // The same settings again change nothing and publish nothing; dropping one returns it to its default.
        Callers.admin(tenant).contentType("application/json")
                .body("{\"newDevice\": 10, \"denyNetworks\": [\"203.0.113.0/24\"]}")
                .put("/v1/settings/risk").then().statusCode(200);
        Callers.admin(tenant).contentType("application/json").body("{\"newDevice\": 10}")
                .put("/v1/settings/risk").then().statusCode(200).body("denyNetworks", empty());
        List<ConsumerRecord<String, String>> all = change(tenant, 2);
        JsonNode second = RiskKafka.read(all.get(1).value()).path("payload").path("changes");
        assertEquals(1, second.size());
        assertEquals("denyNetworks", second.get(0).path("field").asText());
        assertEquals("203.0.113.0/24", second.get(0).path("before").asText());
        assertTrue(second.get(0).path("after").isNull());

        Callers.admin(tenant).get("/v1/settings/risk").then().statusCode(200)
                .body("newDevice", equalTo(10)).body("overridden", contains("newDevice"));
        // Another tenant's administrator sees its own settings only.
        Callers.admin(unique("other")).get("/v1/settings/risk").then().statusCode(200)
                .body("newDevice", equalTo(50));
    }

    @Test
    void aTenantsSettingChangesItsDecisionsAndNoOtherTenants() {
        String changed = unique("lenient");
        String untouched = unique("plain");
        // Before the change: a new device at an unused hour scores 50 + 15 and is challenged, in both tenants.
        assertEquals("CHALLENGE", assessment(login(changed, unique("u"), true, "fp-1", IP)).path("decision").asText());

        Callers.admin(changed).contentType("application/json").body("{\"newDevice\": 10}")
                .put("/v1/settings/risk").then().statusCode(200);

        JsonNode after = assessment(login(changed, unique("u"), true, "fp-1", IP));
        assertEquals("ALLOW", after.path("decision").asText(), "applies at once: " + after);
        assertEquals(25, after.path("score").asInt());
        JsonNode other = assessment(login(untouched, unique("u"), true, "fp-1", IP));
        assertEquals("CHALLENGE", other.path("decision").asText());
        assertEquals(65, other.path("score").asInt());
    }

    @Test
    void aTenantsDenyListAndThresholdsApplyToItsLoginsOnly() {
        String listed = unique("listed");
        String plain = unique("plain");
        Callers.admin(listed).contentType("application/json")
                .body("{\"denyNetworks\": [\"192.0.2.0/24\"], \"alwaysChallenge\": true}")
                .put("/v1/settings/risk").then().statusCode(200);
        JsonNode denied = assessment(login(listed, unique("u"), true, "fp-1", IP));
        assertEquals("DENY", denied.path("decision").asText());
        assertEquals(List.of("DENIED_NETWORK"), reasons(denied));
        JsonNode elsewhere = assessment(login(listed, unique("u"), true, "fp-1", "192.0.3.10"));
        assertTrue(reasons(elsewhere).contains("ALWAYS_CHALLENGE"), () -> "reasons " + reasons(elsewhere));
        JsonNode notListed = assessment(login(plain, unique("u"), true, "fp-1", IP));
        assertEquals("CHALLENGE", notListed.path("decision").asText());
        assertTrue(!reasons(notListed).contains("DENIED_NETWORK") && !reasons(notListed).contains("ALWAYS_CHALLENGE"));
    }

    @Test
    void scoringReadsATenantsSettingsFromRedisOncePerCachePeriod() {
        String tenant = unique("cached");
        assessment(login(tenant, unique("u"), true, "fp-1", IP));
        double before = reads();
        for (int i = 0; i < 5; i++) {
            assessment(login(tenant, unique("u"), true, "fp-1", IP));
        }
        assertEquals(before, reads(), "no Redis read for settings while they are cached");
        Callers.admin(tenant).contentType("application/json").body("{\"unusualHour\": 0}")
                .put("/v1/settings/risk").then().statusCode(200);
        assertEquals(50, assessment(login(tenant, unique("u"), true, "fp-1", IP)).path("score").asInt());
        assertEquals(50, assessment(login(tenant, unique("u"), true, "fp-1", IP)).path("score").asInt());
        assertEquals(before + 1, reads(), "read again once after the change");
    }

    @Test
    void aBodyNamingAnotherTenantIsRefusedAndItsOwnIsAccepted() {
        String tenant = unique("own");
        Callers.admin(tenant).contentType("application/json").body("{\"tenantId\": \"globex\", \"newDevice\": 12}")
                .put("/v1/settings/risk").then().statusCode(403).contentType("application/problem+json");
        assertTrue(!redis.key().exists("risk:{globex}:settings") && !redis.key().exists("risk:{" + tenant + "}:settings"));
        Callers.admin(tenant).contentType("application/json")
                .body("{\"tenantId\": \"" + tenant + "\", \"newDevice\": 12}")
                .put("/v1/settings/risk").then().statusCode(200).body("newDevice", equalTo(12));
    }

    private double reads() {
        return registry.find("keystep.risk.settings.reads").counter().count();
    }

    private static List<ConsumerRecord<String, String>> change(String tenant, int count) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> changes.getRecords().stream()
                .filter(r -> tenant.equals(RiskKafka.read(r.value()).path("tenantId").asText())).toList(),
                l -> l.size() >= count);
    }
}
