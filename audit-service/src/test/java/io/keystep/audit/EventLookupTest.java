package io.keystep.audit;

import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.Topics;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Finding events: free text over the type and the redacted payload (its wildcards taken literally), one event by its
 * id within the caller's tenant, and a user's timeline for support staff. Shares AuditIngestTest's boot.
 */
@QuarkusTest
class EventLookupTest {

    private static final String TENANT = Trail.unique("find");
    private static final String OTHER = Trail.unique("find");
    private static final String USER = Trail.unique("u");
    private static final Instant AT = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);

    @BeforeAll
    static void seed() {
        // the main thread of one login (its login's user agent is "Firefox"), and two failed deliveries whose reasons
        // hold LIKE's wildcards and text they would match
        var thread = Trail.thread(TENANT, USER, AT);
        thread.forEach(e -> Trail.send(e.getKey(), e.getValue(), USER));
        failed(TENANT, "quota 100% used by a_b");
        failed(TENANT, "quota 1000 used by axb");
        Trail.thread(OTHER, USER, AT).forEach(e -> Trail.send(e.getKey(), e.getValue(), USER));
        await().atMost(AuditIngestTest.WAIT).until(() -> Trail.rows("tenant_id = ?", TENANT).size() == thread.size() + 2
                && Trail.rows("tenant_id = ?", OTHER).size() == thread.size());
    }

    @Test
    void freeTextFindsTheTypeOrThePayloadIgnoringCase() {
        Callers.compliance(TENANT).queryParam("q", "FIREFOX").get("/v1/audit/events").then().statusCode(200)
                .body("type", contains("auth.login"));
        Callers.compliance(TENANT).queryParam("q", "ssued").get("/v1/audit/events").then().statusCode(200)
                .body("type", contains("challenge.issued"));
        // with the other filters, and in the export
        Callers.compliance(TENANT).queryParams(Map.of("q", "quota", "type", "delivery.status")).get("/v1/audit/events")
                .then().statusCode(200).body("$", hasSize(2));
        String export = Callers.compliance(TENANT).queryParam("q", "firefox").get("/v1/audit/export").then()
                .statusCode(200).extract().asString();
        assertEquals(1, export.lines().count(), export);
        // the other tenant's identical thread is not searched
        Callers.compliance(TENANT).queryParam("q", "fp-1").get("/v1/audit/events").then().statusCode(200)
                .body("tenantId", org.hamcrest.Matchers.everyItem(equalTo(TENANT)));
    }

    @Test
    void wildcardsInTheTextAreMatchedAsThemselves() {
        Callers.compliance(TENANT).queryParam("q", "100%").get("/v1/audit/events").then().statusCode(200)
                .body("payload.reason", contains("quota 100% used by a_b"));
        // as wildcards, "a_b" would match "axb" and "%%" every row
        Callers.compliance(TENANT).queryParam("q", "a_b").get("/v1/audit/events").then().statusCode(200)
                .body("payload.reason", contains("quota 100% used by a_b"));
        Callers.compliance(TENANT).queryParam("q", "%%").get("/v1/audit/events").then().statusCode(200)
                .body("$", hasSize(0));
        Callers.compliance(TENANT).queryParam("q", "\\%").get("/v1/audit/events").then().statusCode(200)
                .body("$", hasSize(0));
    }

    @Test
    void textOfOneCharacterOrOverAHundredOrWithControlsIsRefusedNamingQ() {
        for (String q : List.of("a", "x".repeat(101), "ab\u0001", "  ")) {
            Callers.compliance(TENANT).queryParam("q", q).get("/v1/audit/events").then().statusCode(400)
                    .contentType("application/problem+json").body("errors[0].field", equalTo("q"));
            Callers.compliance(TENANT).queryParam("q", q).get("/v1/audit/export").then().statusCode(400)
                    .body("errors[0].field", equalTo("q"));
        }
        Callers.compliance(TENANT).queryParam("q", "x".repeat(100)).get("/v1/audit/events").then().statusCode(200);
    }

    @Test
    void oneEventIsReadByItsIdWithinTheCallersTenantOnly() {
        String id = Callers.compliance(TENANT).queryParam("type", "challenge.issued").get("/v1/audit/events").then()
                .statusCode(200).extract().jsonPath().getString("[0].eventId");
        Callers.compliance(TENANT).get("/v1/audit/events/" + id).then().statusCode(200)
                .body("eventId", equalTo(id)).body("type", equalTo("challenge.issued"))
                .body("tenantId", equalTo(TENANT)).body("userId", equalTo(USER))
                .body("payload.destination", equalTo("+4915******678")).body("payload.sealedCode", equalTo("[sealed]"));
        // another tenant's compliance officer learns nothing, not even that the id exists
        String absent = Callers.compliance(OTHER).get("/v1/audit/events/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json").extract().jsonPath().getString("type");
        Callers.compliance(OTHER).get("/v1/audit/events/" + id).then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo(absent));
        Callers.compliance(TENANT).get("/v1/audit/events/not-a-uuid").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("eventId"));
        Callers.compliance(OTHER).header("X-Tenant-Id", TENANT).get("/v1/audit/events/" + id).then().statusCode(403)
                .body("type", equalTo("https://keystep.dev/problems/cross-tenant"));
        for (String role : List.of(Tokens.SUPPORT, Tokens.ANALYST, Tokens.ADMIN)) {
            Callers.as(TENANT, role).get("/v1/audit/events/" + id).then().statusCode(403);
        }
    }

    @Test
    void supportStaffReadAUsersTimelineButNotTheTrail() {
        Callers.as(TENANT, Tokens.SUPPORT).get("/v1/audit/users/" + USER + "/timeline").then().statusCode(200)
                .body("type", contains("auth.login", "risk.assessed", "auth.decision", "challenge.issued",
                        "delivery.status", "verification.completed"))
                .body("tenantId", org.hamcrest.Matchers.everyItem(equalTo(TENANT)));
        Callers.as(TENANT, Tokens.SUPPORT).header("X-Tenant-Id", OTHER).get("/v1/audit/users/" + USER + "/timeline")
                .then().statusCode(403).body("type", equalTo("https://keystep.dev/problems/cross-tenant"));
        Callers.as(TENANT, Tokens.SUPPORT).get("/v1/audit/events").then().statusCode(403);
        Callers.as(TENANT, Tokens.SUPPORT).get("/v1/audit/export").then().statusCode(403);
        Callers.as(TENANT, Tokens.ANALYST).get("/v1/audit/users/" + USER + "/timeline").then().statusCode(403);
    }

    private static void failed(String tenant, String reason) {
        String challenge = Trail.unique("ch");
        Trail.send(Topics.DELIVERY_STATUS, Envelope.of(DeliveryStatusChanged.TYPE, AT.plusSeconds(30), tenant, challenge,
                new DeliveryStatusChanged(challenge, "someone", Channel.SMS, "twilio", DeliveryStatus.FAILED, reason,
                        "+4915*****678", null)), "someone");
    }
}
