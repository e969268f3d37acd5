package io.keystep.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.RetentionJob;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.events.Topics;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tenant's audit settings: bounds, the published change, and retention and page size honouring them. */
@QuarkusTest
class TenantAuditSettingsTest {

    static final Duration WAIT = AuditIngestTest.WAIT;
    /** The configured delay of a shortening (P7D), and a minute. */
    static final Duration SHORTENING_DELAY = Duration.ofDays(7).plusMinutes(1);

    static TopicRecorder changes;

    @Inject
    RetentionJob retention;

    @BeforeAll
    static void listen() {
        changes = new TopicRecorder(Topics.TENANT_SETTINGS_CHANGED);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        changes.close();
    }

    @Test
    void aTenantWithoutSettingsHasThePlatformDefaults() {
        Callers.admin(Trail.unique("fresh")).when().get("/v1/settings/audit")
                .then().statusCode(200).body("retentionMonths", equalTo(48)).body("searchDefaultLimit", equalTo(100))
                .body("conversionAlertThreshold", equalTo(0.5f)).body("conversionAlertMinVolume", equalTo(20));
    }

    @Test
    void conversionAlertSettingsOutsideTheirBoundsAreRefusedNamingTheFieldAndAreTheAdministrators() throws Exception {
        String tenant = Trail.unique("conv");
        String admin = tenant + "-" + Tokens.ADMIN + "-client";
        for (String body : List.of("{\"conversionAlertThreshold\":-0.01}", "{\"conversionAlertThreshold\":1.01}",
                "{\"conversionAlertThreshold\":\"half\"}", "{\"conversionAlertThreshold\":true}",
                "{\"conversionAlertThreshold\":[0.5]}")) {
            put(tenant, body).then().statusCode(400).contentType("application/problem+json")
                    .body("errors.field", contains("conversionAlertThreshold"));
        }
        for (String body : List.of("{\"conversionAlertMinVolume\":0}", "{\"conversionAlertMinVolume\":1000001}",
                "{\"conversionAlertMinVolume\":2.5}", "{\"conversionAlertMinVolume\":\"20\"}")) {
            put(tenant, body).then().statusCode(400).contentType("application/problem+json")
                    .body("errors.field", contains("conversionAlertMinVolume"));
        }
        put(tenant, "{\"conversionAlertThreshold\":2,\"conversionAlertMinVolume\":-1}").then().statusCode(400)
                .body("errors.field", contains("conversionAlertThreshold", "conversionAlertMinVolume"));
        // the bounds themselves
        put(tenant, "{\"conversionAlertThreshold\":0,\"conversionAlertMinVolume\":1}").then().statusCode(200)
                .body("conversionAlertThreshold", equalTo(0.0f)).body("conversionAlertMinVolume", equalTo(1));
        put(tenant, "{\"conversionAlertThreshold\":1,\"conversionAlertMinVolume\":1000000}").then().statusCode(200)
                .body("conversionAlertThreshold", equalTo(1.0f)).body("conversionAlertMinVolume", equalTo(1000000));
        put(tenant, "{\"conversionAlertThreshold\":0.35}").then().statusCode(200)
                .body("conversionAlertThreshold", equalTo(0.35f)).body("conversionAlertMinVolume", equalTo(1000000));
        // the compliance role may not change them
        putAs(Callers.compliance(tenant), "{\"conversionAlertMinVolume\":5}").then().statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/role-not-allowed"))
                .body("errors[0].field", equalTo("conversionAlertMinVolume"));
        // a named null returns to the default
        put(tenant, "{\"conversionAlertThreshold\":null,\"conversionAlertMinVolume\":null}").then().statusCode(200)
                .body("conversionAlertThreshold", equalTo(0.5f)).body("conversionAlertMinVolume", equalTo(20));
        Callers.admin(tenant).get("/v1/settings/audit").then().statusCode(200)
                .body("conversionAlertThreshold", equalTo(0.5f)).body("conversionAlertMinVolume", equalTo(20));

        // each change is announced like the other settings
        List<JsonNode> published = await().atMost(WAIT).until(() -> publishedFor(tenant, admin), l -> l.size() >= 4);
        assertEquals(List.of("conversionAlertThreshold|null|0.0", "conversionAlertMinVolume|null|1"),
                changesOf(published.get(0)));
        assertEquals(List.of("conversionAlertThreshold|0.0|1.0", "conversionAlertMinVolume|1|1000000"),
                changesOf(published.get(1)));
        assertEquals(List.of("conversionAlertThreshold|1.0|0.35"), changesOf(published.get(2)));
        assertEquals(List.of("conversionAlertThreshold|0.35|null", "conversionAlertMinVolume|1000000|null"),
                changesOf(published.get(3)));
    }

    @Test
    void valuesOutsideTheirBoundsAreRefusedNamingTheField() {
        String tenant = Trail.unique("bounds");
        for (String body : List.of("{\"retentionMonths\":0}", "{\"retentionMonths\":121}", "{\"retentionMonths\":-5}",
                "{\"retentionMonths\":\"twelve\"}", "{\"retentionMonths\":1.5}")) {
            put(tenant, body).then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo("retentionMonths"));
        }
        for (String body : List.of("{\"searchDefaultLimit\":0}", "{\"searchDefaultLimit\":1001}")) {
            put(tenant, body).then().statusCode(400).body("errors[0].field", equalTo("searchDefaultLimit"));
        }
        put(tenant, "{\"retentionDays\":30}").then().statusCode(400).body("errors[0].field", equalTo("retentionDays"));
        put(tenant, "[1]").then().statusCode(400).contentType("application/problem+json");
        // every bad field at once, and nothing changed
        put(tenant, "{\"retentionDays\":30,\"retentionMonths\":0,\"searchDefaultLimit\":\"many\"}").then()
                .statusCode(400).body("errors.field", contains("retentionDays", "retentionMonths", "searchDefaultLimit"));
        // the bounds themselves are accepted (a shortening is the compliance role's)
        putAs(Callers.compliance(tenant), "{\"retentionMonths\":1}").then().statusCode(200)
                .body("pendingRetention.retentionMonths", equalTo(1));
        put(tenant, "{\"searchDefaultLimit\":1000}").then().statusCode(200);
        put(tenant, "{\"retentionMonths\":120}").then().statusCode(200).body("retentionMonths", equalTo(120))
                .body("searchDefaultLimit", equalTo(1000)).body("pendingRetention", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aChangeIsStoredPublishedWithTheAdministratorAndAuditedAndAnUnchangedPutPublishesNothing() throws Exception {
        String tenant = Trail.unique("set");
        String admin = tenant + "-" + Tokens.ADMIN + "-client";
        put(tenant, "{\"retentionMonths\":60}").then().statusCode(200)
                .body("retentionMonths", equalTo(60)).body("searchDefaultLimit", equalTo(100));
        Callers.admin(tenant).when().get("/v1/settings/audit").then().statusCode(200).body("retentionMonths", equalTo(60));
        try (var c = RestartablePostgres.get().connect(); var s = c.prepareStatement(
                "SELECT retention_months, search_default_limit, updated_by FROM audit_tenant_settings WHERE tenant_id = ?")) {
            s.setString(1, tenant);
            var rs = s.executeQuery();
            assertTrue(rs.next());
            assertEquals(60, rs.getInt(1));
            rs.getInt(2);
            assertTrue(rs.wasNull(), "an absent field stays the default");
            assertEquals(admin, rs.getString(3));
        }
        put(tenant, "{\"retentionMonths\":60}").then().statusCode(200);
        // a page size of its own; the retention, not named, stays
        put(tenant, "{\"searchDefaultLimit\":50}").then().statusCode(200)
                .body("retentionMonths", equalTo(60)).body("searchDefaultLimit", equalTo(50));

        List<JsonNode> published = await().atMost(WAIT).until(() -> publishedFor(tenant, admin), l -> l.size() >= 2);
        JsonNode first = published.get(0);
        assertEquals(TenantSettingsChanged.TYPE, first.path("type").asText());
        assertEquals(tenant, first.path("tenantId").asText());
        assertEquals("audit", first.path("payload").path("area").asText());
        assertEquals(admin, first.path("payload").path("changedBy").asText());
        assertEquals(List.of("retentionMonths|null|60"), changesOf(first));
        assertEquals(List.of("searchDefaultLimit|null|50"), changesOf(published.get(1)));

        // the changes reach the trail with the administrator as user; the unchanged PUT published nothing
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ? AND type = ?", tenant, TenantSettingsChanged.TYPE)
                .size() == 2);
        assertEquals(2, publishedFor(tenant, admin).size());
        assertTrue(Trail.rows("tenant_id = ? AND type = ?", tenant, TenantSettingsChanged.TYPE).stream()
                .allMatch(r -> admin.equals(r.get("user_id"))));
    }

    @Test
    void aSearchWithoutALimitAnswersTheTenantsPageSize() {
        String tenant = Trail.unique("page");
        Trail.insertRows(tenant, "u", 5, Instant.parse("2026-02-01T00:00:00Z"), Instant.now());
        Callers.compliance(tenant).when().get("/v1/audit/events").then().statusCode(200).body("$", hasSize(5));
        put(tenant, "{\"searchDefaultLimit\":2}").then().statusCode(200);
        Callers.compliance(tenant).when().get("/v1/audit/events").then().statusCode(200).body("$", hasSize(2))
                .header("X-Next-Cursor", notNullValue());
        Callers.compliance(tenant).when().get("/v1/audit/users/u/timeline").then().statusCode(200).body("$", hasSize(2));
        // an explicit limit still wins
        Callers.compliance(tenant).queryParam("limit", 4).when().get("/v1/audit/events").then().statusCode(200)
                .body("$", hasSize(4));
    }

    @Test
    void retentionKeepsEachTenantsRowsForItsOwnMonthsAndALegalHoldStillWins() throws Exception {
        String brief = Trail.unique("brief");   // keeps 3 months
        String longer = Trail.unique("longer"); // keeps 12 months
        YearMonth now = YearMonth.from(Instant.now().atOffset(ZoneOffset.UTC));
        Instant sixMonthsAgo = now.minusMonths(6).atDay(5).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant lastMonth = now.minusMonths(1).atDay(5).atStartOfDay().toInstant(ZoneOffset.UTC);
        Trail.appendChain(brief, "alice", 2, sixMonthsAgo);  // 1..2: expired
        Trail.appendChain(brief, "bob", 1, sixMonthsAgo);    // 3: expired, but bob is on hold
        Trail.appendChain(brief, "alice", 1, sixMonthsAgo);  // 4: expired, kept behind the held row
        Trail.appendChain(brief, "alice", 2, lastMonth);     // 5..6: within 3 months
        Trail.appendChain(longer, "carol", 3, sixMonthsAgo); // within 12 months
        Callers.compliance(brief).contentType("application/json").body("{\"userId\":\"bob\",\"reason\":\"case 7\"}")
                .when().post("/v1/audit/holds").then().statusCode(201);
        // each change of settings is itself audited: rows 7 (asked) and 8 (in force) of brief's chain, received now
        putAs(Callers.compliance(brief), "{\"retentionMonths\":3}").then().statusCode(200);
        putAs(Callers.compliance(longer), "{\"retentionMonths\":12}").then().statusCode(200);
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id IN (?, ?) AND type = ?", brief, longer,
                TenantSettingsChanged.TYPE).size() == 2);

        // once the shortening delay has passed
        retention.runAt(Instant.now().plus(SHORTENING_DELAY));
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id IN (?, ?) AND type = ?", brief, longer,
                TenantSettingsChanged.TYPE).size() == 4);

        assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L), Trail.rows("tenant_id = ?", brief).stream()
                .map(r -> ((Number) r.get("chain_seq")).longValue()).toList());
        assertEquals(3, logins(longer));
        Callers.compliance(brief).when().get("/v1/audit/verify").then().statusCode(200)
                .body("intact", equalTo(true)).body("prunedThroughSeq", equalTo(2)).body("rowsChecked", equalTo(6));

        // shorten the longer tenant's retention: its next run after the delay removes what is now expired
        putAs(Callers.compliance(longer), "{\"retentionMonths\":4}").then().statusCode(200);
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ? AND type = ?", longer, TenantSettingsChanged.TYPE)
                .size() == 3);
        retention.runAt(Instant.now().plus(SHORTENING_DELAY));
        assertEquals(0, logins(longer));
        assertEquals(4, logins(brief), "bob's held row 3 and alice's rows 4 to 6 stay");
        Callers.compliance(longer).when().get("/v1/audit/verify").then().statusCode(200).body("intact", equalTo(true));
    }

    @Test
    void aRetentionLongerThanTheDefaultKeepsAWholeMonthTheDefaultWouldDrop() throws Exception {
        String keeper = Trail.unique("keeper");  // 10 years
        String plain = Trail.unique("plain");    // the 4-year default
        put(keeper, "{\"retentionMonths\":120}").then().statusCode(200);
        YearMonth now = YearMonth.from(Instant.now().atOffset(ZoneOffset.UTC));
        YearMonth keptMonth = now.minusMonths(70);
        YearMonth droppedMonth = now.minusMonths(71);
        Instant kept = keptMonth.atDay(9).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant dropped = droppedMonth.atDay(9).atStartOfDay().toInstant(ZoneOffset.UTC);
        Trail.insertRows(keeper, "k", 2, kept, kept);
        Trail.insertRows(plain, "p", 2, dropped, dropped);

        List<String> gone = retention.runAt(Instant.now());
        assertTrue(gone.contains(AuditEventStore.partitionName(droppedMonth)), gone.toString());
        assertFalse(gone.contains(AuditEventStore.partitionName(keptMonth)), gone.toString());
        assertEquals(2, logins(keeper));
        assertEquals(0, logins(plain));
    }

    /** The tenant's rows other than its own settings changes. */
    private static int logins(String tenant) {
        return Trail.rows("tenant_id = ? AND type = 'auth.login'", tenant).size();
    }

    private static io.restassured.response.Response put(String tenant, String body) {
        return putAs(Callers.admin(tenant), body);
    }

    private static io.restassured.response.Response putAs(io.restassured.specification.RequestSpecification caller,
                                                          String body) {
        return caller.contentType("application/json").body(body).when().put("/v1/settings/audit");
    }

    private static List<JsonNode> publishedFor(String tenant, String admin) throws Exception {
        List<JsonNode> found = new java.util.ArrayList<>();
        for (ConsumerRecord<String, String> record : changes.records()) {
            if (Topics.key(tenant, admin).equals(record.key())) {
                found.add(Trail.JSON.readTree(record.value()));
            }
        }
        return found;
    }

    private static List<String> changesOf(JsonNode event) {
        List<String> list = new java.util.ArrayList<>();
        event.path("payload").path("changes").forEach(c -> list.add(c.path("field").asText() + "|"
                + (c.path("before").isNull() || c.path("before").isMissingNode() ? "null" : c.path("before").asText()) + "|"
                + (c.path("after").isNull() || c.path("after").isMissingNode() ? "null" : c.path("after").asText())));
        return list;
    }
}
