package io.keystep.audit;

import io.keystep.audit.store.RetentionJob;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's retention policy as production runs it (a floor of 12 months, shortenings a week after they are
 * asked for): only the compliance role shortens, never under the floor, and only once the delay recorded in the trail
 * has passed.
 */
@QuarkusTest
@TestProfile(RetentionPolicyTest.ProductionPolicy.class)
class RetentionPolicyTest {

    static final Duration WAIT = AuditIngestTest.WAIT;

    /** The production floor and delay, not the test profile's short floor. */
    public static class ProductionPolicy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keystep.audit.retention.floor-months", "12", "keystep.audit.retention.shortening-delay", "P7D");
        }
    }

    @Inject
    RetentionJob retention;

    @Test
    void theAdministratorMayLengthenButNotShortenTheRetention() {
        String tenant = Trail.unique("admin-shortens");
        Response refused = put(Callers.admin(tenant), "{\"retentionMonths\":24}");
        refused.then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/role-not-allowed"))
                .body("errors[0].field", equalTo("retentionMonths"));
        Callers.admin(tenant).get("/v1/settings/audit").then().statusCode(200).body("retentionMonths", equalTo(48))
                .body("pendingRetention", nullValue());

        put(Callers.admin(tenant), "{\"retentionMonths\":60}").then().statusCode(200).body("retentionMonths", equalTo(60))
                .body("pendingRetention", nullValue());
        put(Callers.admin(tenant), "{\"retentionMonths\":null}").then().statusCode(403)
                .body("errors[0].field", equalTo("retentionMonths"));
        // the page size is the administrator's alone
        put(Callers.compliance(tenant), "{\"searchDefaultLimit\":10}").then().statusCode(403)
                .body("errors[0].field", equalTo("searchDefaultLimit"));
        Callers.compliance(tenant).get("/v1/settings/audit").then().statusCode(200).body("retentionMonths", equalTo(60))
                .body("searchDefaultLimit", equalTo(100));
    }

    @Test
    void noRetentionUnderTheOperatorsFloorWhoeverAsks() {
        String tenant = Trail.unique("floor");
        for (RequestSpecification caller : List.of(Callers.compliance(tenant), Callers.admin(tenant))) {
            put(caller, "{\"retentionMonths\":11}").then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo("retentionMonths"))
                    .body("errors[0].message", containsString("floor is 12 months"));
        }
        Callers.compliance(tenant).get("/v1/settings/audit").then().statusCode(200).body("retentionMonths", equalTo(48))
                .body("retentionFloorMonths", equalTo(12)).body("pendingRetention", nullValue());
        put(Callers.compliance(tenant), "{\"retentionMonths\":12}").then().statusCode(200)
                .body("pendingRetention.retentionMonths", equalTo(12));
    }

    @Test
    void aShorteningTakesEffectOnlyAfterTheDelayAndTheTrailRecordsBoth() throws Exception {
        String tenant = Trail.unique("shorten");
        String officer = tenant + "-" + Tokens.COMPLIANCE + "-client";
        YearMonth now = YearMonth.from(Instant.now().atOffset(ZoneOffset.UTC));
        Instant twentyMonthsAgo = now.minusMonths(20).atDay(3).atStartOfDay().toInstant(ZoneOffset.UTC);
        Trail.appendChain(tenant, "u", 3, twentyMonthsAgo);

        Instant asked = Instant.now();
        Response response = put(Callers.compliance(tenant), "{\"retentionMonths\":12}");
        response.then().statusCode(200).body("retentionMonths", equalTo(48))
                .body("pendingRetention.retentionMonths", equalTo(12))
                .body("pendingRetention.requestedBy", equalTo(officer));
        Instant effectiveAt = Instant.parse(response.jsonPath().getString("pendingRetention.effectiveAt"));
        assertTrue(!effectiveAt.isBefore(asked.plus(Duration.ofDays(7)).minusSeconds(5))
                && !effectiveAt.isAfter(Instant.now().plus(Duration.ofDays(7))), effectiveAt.toString());

        // the request and its effective time are in the hash-chained trail
        List<Map<String, Object>> recorded = await().atMost(WAIT).until(() -> settingsChanges(tenant), l -> l.size() == 1);
        var payload = Trail.JSON.readTree((String) recorded.get(0).get("payload"));
        assertEquals(officer, recorded.get(0).get("user_id"));
        assertEquals("12", change(payload, "retentionMonths.pending").path("after").asText());
        assertEquals(effectiveAt, Instant.parse(change(payload, "retentionMonths.effectiveAt").path("after").asText()));

        // before its time: the retention in force is unchanged and the rows stay
        retention.runAt(Instant.now());
        retention.runAt(effectiveAt.minusSeconds(60));
        assertEquals(3, logins(tenant));
        Callers.compliance(tenant).get("/v1/settings/audit").then().statusCode(200).body("retentionMonths", equalTo(48))
                .body("pendingRetention.retentionMonths", equalTo(12));

        // after it: applied, recorded, and the rows past 12 months go
        retention.runAt(effectiveAt.plusSeconds(60));
        assertEquals(0, logins(tenant));
        Callers.compliance(tenant).get("/v1/settings/audit").then().statusCode(200).body("retentionMonths", equalTo(12))
                .body("pendingRetention", nullValue());
        recorded = await().atMost(WAIT).until(() -> settingsChanges(tenant), l -> l.size() == 2);
        payload = Trail.JSON.readTree((String) recorded.get(1).get("payload"));
        assertEquals("12", change(payload, "retentionMonths").path("after").asText());
        assertEquals(officer, recorded.get(1).get("user_id"));
        Callers.compliance(tenant).get("/v1/audit/verify").then().statusCode(200).body("intact", equalTo(true));
    }

    @Test
    void aLengtheningCancelsAShorteningStillWaiting() {
        String tenant = Trail.unique("undo");
        put(Callers.compliance(tenant), "{\"retentionMonths\":12}").then().statusCode(200)
                .body("pendingRetention.retentionMonths", equalTo(12));
        put(Callers.admin(tenant), "{\"retentionMonths\":48}").then().statusCode(200).body("retentionMonths", equalTo(48))
                .body("pendingRetention", nullValue());
        Callers.admin(tenant).get("/v1/settings/audit").then().statusCode(200).body("pendingRetention", nullValue());
    }

    private static Response put(RequestSpecification caller, String body) {
        return caller.contentType("application/json").body(body).when().put("/v1/settings/audit");
    }

    private static List<Map<String, Object>> settingsChanges(String tenant) {
        return Trail.rows("tenant_id = ? AND type = ?", tenant, TenantSettingsChanged.TYPE);
    }

    private static com.fasterxml.jackson.databind.JsonNode change(com.fasterxml.jackson.databind.JsonNode payload,
                                                                 String field) {
        for (var change : payload.path("changes")) {
            if (field.equals(change.path("field").asText())) {
                return change;
            }
        }
        throw new AssertionError("no change of " + field + " in " + payload);
    }

    private static int logins(String tenant) {
        return Trail.rows("tenant_id = ? AND type = 'auth.login'", tenant).size();
    }
}
