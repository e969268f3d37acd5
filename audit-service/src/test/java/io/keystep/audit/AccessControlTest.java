package io.keystep.audit;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.AccessRefused;
import io.keystep.events.Topics;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.OpenApiOperations;
import io.keystep.testsupport.auth.OpenApiOperations.Operation;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation of the live OpenAPI document refuses callers without a valid token (401) and callers whose role
 * is not allowed (403); a caller naming another tenant is refused (403) and the refusal is published on
 * {@code security.access-refused.v1} and comes back into the trail.
 */
@QuarkusTest
class AccessControlTest {

    static final Duration WAIT = AuditIngestTest.WAIT;

    /**
     * Every operation audit-service serves, with the roles allowed to call it (the audit settings: the administrator's,
     * and the compliance role's for the retention; a user's timeline: support's too; the analytics: the analyst's
     * alone).
     */
    static final Map<String, String> ROLES = Map.ofEntries(
            Map.entry("GET /v1/audit/events", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/events/{eventId}", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/analytics", Tokens.ANALYST),
            Map.entry("GET /v1/audit/export", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/stream", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/verify", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/checkpoints", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/checkpoints/key", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/summary", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/experiments/{experimentId}", Tokens.COMPLIANCE),
            Map.entry("GET /v1/audit/users/{userId}/timeline", Tokens.COMPLIANCE + "," + Tokens.SUPPORT),
            Map.entry("GET /v1/audit/holds", Tokens.COMPLIANCE),
            Map.entry("POST /v1/audit/holds", Tokens.COMPLIANCE),
            Map.entry("DELETE /v1/audit/holds/{id}", Tokens.COMPLIANCE),
            Map.entry("GET /v1/settings/audit", Tokens.ADMIN + "," + Tokens.COMPLIANCE),
            Map.entry("PUT /v1/settings/audit", Tokens.ADMIN + "," + Tokens.COMPLIANCE));
    static final List<String> ALL_ROLES = List.of(Tokens.GATEWAY, Tokens.WORKER, Tokens.COMPLIANCE, Tokens.ADMIN,
            Tokens.SUPPORT, Tokens.ANALYST);

    static TopicRecorder refusals;

    @TestHTTPResource("/v1/audit/stream")
    URL streamUrl;

    @BeforeAll
    static void listen() {
        refusals = new TopicRecorder(Topics.ACCESS_REFUSED);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        refusals.close();
    }

    @Test
    void theOpenApiDocumentListsEveryOperationAndDeclaresTheBearerScheme() {
        Set<String> documented = OpenApiOperations.fetch().stream().map(Operation::toString).collect(Collectors.toSet());
        assertEquals(ROLES.keySet(), documented, "an operation was added or removed: give it its role here");
        JsonNode document = ManagementPort.given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .extract().as(JsonNode.class);
        JsonNode schemes = document.path("components").path("securitySchemes");
        assertTrue(schemes.toString().contains("\"bearer\""), schemes.toString());
        assertTrue(schemes.toString().contains("JWT"), schemes.toString());
    }

    @Test
    void everyOperationRefusesCallersWithoutAValidTokenNamingATenant() {
        String tenant = Trail.unique("acl");
        Map<String, Function<RequestSpecification, RequestSpecification>> invalid = Map.of(
                "no token", r -> r,
                "wrong audience", r -> r.auth().oauth2(Tokens.wrongAudience(tenant, Tokens.COMPLIANCE, Tokens.ADMIN)),
                "expired", r -> r.auth().oauth2(Tokens.expired(tenant, Tokens.COMPLIANCE, Tokens.ADMIN)),
                "foreign signature", r -> r.auth().oauth2(Tokens.foreignSignature(tenant, Tokens.COMPLIANCE, Tokens.ADMIN)),
                "no tenant claim", r -> r.auth().oauth2(Tokens.withoutTenant(Tokens.COMPLIANCE, Tokens.ADMIN)),
                "not a JWT", r -> r.auth().oauth2("not-a-token"));
        for (Operation operation : OpenApiOperations.fetch()) {
            invalid.forEach((what, token) -> {
                Response response = call(token.apply(given()), operation);
                assertEquals(401, response.statusCode(), operation + " with " + what);
                assertTrue(response.contentType().startsWith("application/problem+json"), operation + " with " + what);
                assertEquals("Bearer", response.header("WWW-Authenticate"), operation + " with " + what);
                assertEquals("https://keystep.dev/problems/unauthenticated", response.jsonPath().getString("type"), operation + " with " + what);
            });
        }
        String metrics = ManagementPort.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("keystep_access_refused_total{") && l.contains("MISSING_TENANT")),
                "401s are counted by reason");
    }

    @Test
    void everyOperationRefusesARoleItDoesNotAllowAndPublishesTheRefusal() {
        String tenant = Trail.unique("role");
        for (Operation operation : OpenApiOperations.fetch()) {
            List<String> allowed = List.of(ROLES.get(operation.toString()).split(","));
            for (String role : ALL_ROLES) {
                if (allowed.contains(role)) {
                    continue;
                }
                Response response = call(Callers.as(tenant, role), operation);
                assertEquals(403, response.statusCode(), operation + " as " + role);
                assertTrue(response.contentType().startsWith("application/problem+json"), operation + " as " + role);
                assertEquals("https://keystep.dev/problems/role-not-allowed", response.jsonPath().getString("type"), operation + " as " + role);
            }
        }
        // a representative refusal, on Kafka keyed tenant:subject, with the caller's tenant and never the token
        String subject = tenant + "-" + Tokens.GATEWAY + "-client";
        JsonNode refusal = await().atMost(WAIT).until(() -> published(tenant, subject, "/v1/settings/audit"),
                r -> r != null);
        assertEquals(AccessRefused.TYPE, refusal.path("type").asText());
        assertEquals(tenant, refusal.path("tenantId").asText());
        assertEquals("ROLE_NOT_ALLOWED", refusal.path("payload").path("reason").asText());
        assertEquals("audit-service", refusal.path("payload").path("service").asText());
    }

    @Test
    void aCallerNamingAnotherTenantIsRefusedAndTheRefusalReachesTheTrail() {
        String tenant = Trail.unique("own");
        String other = Trail.unique("other");
        String compliance = tenant + "-" + Tokens.COMPLIANCE + "-client";
        String admin = tenant + "-" + Tokens.ADMIN + "-client";
        String analyst = tenant + "-" + Tokens.ANALYST + "-client";
        String support = tenant + "-" + Tokens.SUPPORT + "-client";
        record Probe(RequestSpecification request, String method, String path, String subject) {
        }
        List<Probe> probes = List.of(
                new Probe(withHeader(tenant, Tokens.COMPLIANCE, other), "GET", "/v1/audit/events", compliance),
                new Probe(withHeader(tenant, Tokens.COMPLIANCE, other).queryParam("format", "csv"), "GET",
                        "/v1/audit/export", compliance),
                new Probe(withHeader(tenant, Tokens.COMPLIANCE, other), "GET", "/v1/audit/stream", compliance),
                new Probe(withHeader(tenant, Tokens.COMPLIANCE, other), "GET",
                        "/v1/audit/events/" + java.util.UUID.randomUUID(), compliance),
                new Probe(withHeader(tenant, Tokens.ANALYST, other), "GET", "/v1/audit/analytics", analyst),
                new Probe(withHeader(tenant, Tokens.SUPPORT, other), "GET", "/v1/audit/users/u-1/timeline", support),
                new Probe(Callers.compliance(tenant).queryParam("tenant", other), "GET", "/v1/audit/verify", compliance),
                new Probe(Callers.compliance(tenant).queryParam("tenant", other), "GET", "/v1/audit/checkpoints", compliance),
                new Probe(withHeader(tenant, Tokens.COMPLIANCE, other).contentType("application/json")
                        .body("{\"reason\":\"probe\"}"), "POST", "/v1/audit/holds", compliance),
                new Probe(withHeader(tenant, Tokens.ADMIN, other).contentType("application/json")
                        .body("{\"retentionMonths\":12}"), "PUT", "/v1/settings/audit", admin));
        for (Probe probe : probes) {
            Response response = probe.request().request(probe.method(), probe.path());
            assertEquals(403, response.statusCode(), probe.method() + " " + probe.path());
            assertTrue(response.contentType().startsWith("application/problem+json"), probe.path());
            assertEquals("https://keystep.dev/problems/cross-tenant", response.jsonPath().getString("type"), probe.path());
        }
        // nothing was done for the other tenant
        Callers.admin(other).get("/v1/settings/audit").then().statusCode(200)
                .body("retentionMonths", org.hamcrest.Matchers.equalTo(48));

        for (Probe probe : probes) {
            JsonNode refusal = await().atMost(WAIT).until(() -> published(tenant, probe.subject(), probe.path()),
                    r -> r != null);
            JsonNode payload = refusal.path("payload");
            assertEquals(tenant, refusal.path("tenantId").asText(), probe.path());
            assertEquals("CROSS_TENANT", payload.path("reason").asText(), probe.path());
            assertEquals(other, payload.path("requestedTenant").asText(), probe.path());
            assertEquals(probe.method(), payload.path("method").asText(), probe.path());
        }
        for (ConsumerRecord<String, String> record : refusals.records()) {
            assertFalse(record.value().contains("eyJ"), "no token on Kafka: " + record.value());
        }

        // audit-service's own refusals come back through ingest like everyone's: the trail of the caller's tenant
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ? AND type = ?", tenant, AccessRefused.TYPE).size()
                == probes.size());
        var rows = Trail.rows("tenant_id = ? AND type = ?", tenant, AccessRefused.TYPE);
        assertEquals(Set.of(compliance, admin, analyst, support), rows.stream().map(r -> (String) r.get("user_id")).collect(Collectors.toSet()));
        assertTrue(rows.stream().allMatch(r -> Topics.ACCESS_REFUSED.equals(r.get("topic"))));
        // and a compliance officer finds them by type
        Callers.compliance(tenant).queryParam("type", AccessRefused.TYPE).get("/v1/audit/events")
                .then().statusCode(200).body("size()", org.hamcrest.Matchers.equalTo(probes.size()))
                .body("payload.reason", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.equalTo("CROSS_TENANT")));
        assertTrue(Trail.rows("tenant_id = ?", other).isEmpty(), "nothing lands in the other tenant's trail");
    }

    @Test
    void theLiveStreamNeedsAValidComplianceToken() throws Exception {
        String tenant = Trail.unique("sse");
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(URI.create(streamUrl.toString()))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertEquals("Bearer", anonymous.headers().firstValue("WWW-Authenticate").orElse(null));
        HttpResponse<String> expired = client.send(HttpRequest.newBuilder(URI.create(streamUrl.toString()))
                .header("Authorization", "Bearer " + Tokens.expired(tenant, Tokens.COMPLIANCE))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, expired.statusCode());
        HttpResponse<String> admin = client.send(HttpRequest.newBuilder(URI.create(streamUrl.toString()))
                .header("Authorization", "Bearer " + Tokens.admin(tenant))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, admin.statusCode());

        HttpResponse<java.io.InputStream> allowed = client.send(HttpRequest.newBuilder(URI.create(streamUrl.toString()))
                .header("Authorization", "Bearer " + Tokens.compliance(tenant))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        try {
            assertEquals(200, allowed.statusCode());
            assertTrue(allowed.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        } finally {
            allowed.body().close();
        }
    }

    @Test
    void theHeaderIsOptionalAndTheTenantComesFromTheToken() {
        String tenant = Trail.unique("tok");
        given().auth().oauth2(Tokens.compliance(tenant)).get("/v1/audit/events").then().statusCode(200);
        given().auth().oauth2(Tokens.compliance(tenant)).get("/v1/audit/verify").then().statusCode(200)
                .body("tenant", org.hamcrest.Matchers.equalTo(tenant));
        assertNull(given().auth().oauth2(Tokens.compliance(tenant)).get("/v1/audit/events").header("WWW-Authenticate"));
    }

    private static RequestSpecification withHeader(String tenant, String role, String headerTenant) {
        return given().auth().oauth2(Tokens.of(tenant, role)).header("X-Tenant-Id", headerTenant);
    }

    /** Calls the operation with a well-formed request; what is refused must be refused before the body matters. */
    private static Response call(RequestSpecification request, Operation operation) {
        if (operation.hasBody()) {
            request = request.contentType("application/json").body("{\"reason\":\"probe\"}");
        }
        return request.request(operation.method(), operation.path());
    }

    /** The refusal of {@code subject} in {@code tenant} for {@code path} published on Kafka, or null. */
    private static JsonNode published(String tenant, String subject, String path) throws Exception {
        for (ConsumerRecord<String, String> record : refusals.records()) {
            if (Topics.key(tenant, subject).equals(record.key())) {
                JsonNode event = Trail.JSON.readTree(record.value());
                if (path.equals(event.path("payload").path("path").asText())) {
                    return event;
                }
            }
        }
        return null;
    }

    @Test
    void healthMetricsAndTheApiDescriptionAnswerOnTheManagementPortAndNotOnTheApiPort() {
        for (String path : ManagementPort.PATHS) {
            given().get(path).then().statusCode(404);
            ManagementPort.given().get(path).then().statusCode(200);
        }
    }
}
