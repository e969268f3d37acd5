package io.keystep.risk;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.OpenApiOperations;
import io.keystep.testsupport.auth.OpenApiOperations.Operation;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static io.keystep.risk.RiskKafka.unique;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation the service documents in its OpenAPI document refuses callers without an acceptable token (401)
 * and callers whose role is not the operation's (403), and a caller naming another tenant is refused and the
 * refusal published. risk-service has no operation that is deliberately open (no provider callbacks).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class AccessControlTest {

    /** The role each operation allows; an operation missing here fails the test until it is given one. */
    private static final Map<String, String> ROLE = Map.of(
            "GET /v1/settings/risk", Tokens.ADMIN,
            "PUT /v1/settings/risk", Tokens.ADMIN,
            "GET /v1/settings/risk/signup-experiment", Tokens.ADMIN,
            "PUT /v1/settings/risk/signup-experiment", Tokens.ADMIN,
            "DELETE /v1/settings/risk/signup-experiment", Tokens.ADMIN);
    private static final List<String> ROLES = List.of(Tokens.GATEWAY, Tokens.WORKER, Tokens.COMPLIANCE, Tokens.ADMIN);

    private static ConsumerTask<String, String> refusals;

    @BeforeAll
    static void readRefusals() {
        refusals = RiskKafka.companion().consumeStrings().fromTopics(Topics.ACCESS_REFUSED);
    }

    private static List<Operation> operations() {
        List<Operation> ops = OpenApiOperations.fetch();
        List<String> names = ops.stream().map(Operation::toString).toList();
        assertTrue(names.containsAll(ROLE.keySet()), "documented operations " + names);
        for (String name : names) {
            assertTrue(ROLE.containsKey(name), name + " is documented but has no role in this test");
        }
        return ops;
    }

    private static Response call(RequestSpecification request, Operation op) {
        RequestSpecification r = request.contentType("application/json");
        if (op.hasBody() || op.method().equals("PUT") || op.method().equals("POST")) {
            r = r.body("{}");
        }
        return r.request(op.method(), op.path());
    }

    private static void assertUnauthorized(Operation op, String what, Function<String, String> token) {
        String tenant = unique("t");
        RequestSpecification request = token == null ? given() : given().auth().oauth2(token.apply(tenant));
        call(request, op).then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.equalTo("https://keystep.dev/problems/unauthenticated"))
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("status", org.hamcrest.Matchers.equalTo(401));
    }

    @Test
    void everyOperationRefusesCallersWithoutAnAcceptableToken() {
        for (Operation op : operations()) {
            String role = ROLE.get(op.toString());
            assertUnauthorized(op, "no token", null);
            assertUnauthorized(op, "wrong audience", t -> Tokens.wrongAudience(t, role));
            assertUnauthorized(op, "expired", t -> Tokens.expired(t, role));
            assertUnauthorized(op, "foreign signature", t -> Tokens.foreignSignature(t, role));
            assertUnauthorized(op, "no tenant claim", t -> Tokens.withoutTenant(role));
            assertUnauthorized(op, "malformed", t -> "not-a-jwt");
        }
    }

    @Test
    void everyOperationRefusesEveryRoleButItsOwn() {
        for (Operation op : operations()) {
            String allowed = ROLE.get(op.toString());
            for (String role : ROLES) {
                if (role.equals(allowed)) {
                    continue;
                }
                String tenant = unique("t");
                call(given().auth().oauth2(Tokens.of(tenant, role)), op).then()
                        .statusCode(403)
                        .contentType("application/problem+json")
                        .body("type", org.hamcrest.Matchers.equalTo("https://keystep.dev/problems/role-not-allowed"));
                ConsumerRecord<String, String> event = refusal(tenant);
                JsonNode payload = RiskKafka.read(event.value()).path("payload");
                assertEquals("ROLE_NOT_ALLOWED", payload.path("reason").asText(), op + " as " + role);
                assertEquals(op.method(), payload.path("method").asText());
            }
        }
    }

    @Test
    void aCallerNamingAnotherTenantIsRefusedAndTheRefusalPublished() {
        for (Operation op : operations()) {
            String tenant = unique("acme");
            String token = Tokens.of(tenant, ROLE.get(op.toString()));
            call(given().auth().oauth2(token).header("X-Tenant-Id", "globex"), op).then()
                    .statusCode(403)
                    .contentType("application/problem+json")
                    .body("type", org.hamcrest.Matchers.equalTo("https://keystep.dev/problems/cross-tenant"));
            ConsumerRecord<String, String> event = refusal(tenant);
            JsonNode envelope = RiskKafka.read(event.value());
            JsonNode payload = envelope.path("payload");
            assertEquals("security.access-refused", envelope.path("type").asText());
            assertEquals(tenant, envelope.path("tenantId").asText());
            assertEquals("CROSS_TENANT", payload.path("reason").asText());
            assertEquals("globex", payload.path("requestedTenant").asText());
            assertEquals("risk-service", payload.path("service").asText());
            assertEquals(op.path(), payload.path("path").asText());
            String subject = payload.path("subject").asText();
            assertEquals(Topics.key(tenant, subject), event.key());
            assertFalse(event.value().contains(token), "the token never travels");
            assertFalse(event.value().contains(token.substring(token.lastIndexOf('.') + 1)));
        }
    }

    @Test
    void aTenantHeaderMatchingTheTokenIsAccepted() {
        String tenant = unique("acme");
        given().auth().oauth2(Tokens.admin(tenant)).header("X-Tenant-Id", tenant)
                .get("/v1/settings/risk").then().statusCode(200);
        given().auth().oauth2(Tokens.admin(tenant)).get("/v1/settings/risk").then().statusCode(200);
    }

    @Test
    void unauthenticatedCallsAreCountedNotPublished() {
        String tenant = unique("anon");
        double before = refusedCount("INVALID_TOKEN");
        given().auth().oauth2(Tokens.expired(tenant, Tokens.ADMIN)).get("/v1/settings/risk").then().statusCode(401);
        assertTrue(refusedCount("INVALID_TOKEN") >= before + 1);
        given().get("/v1/settings/risk").then().statusCode(401);
        assertTrue(refusedCount("MISSING_TOKEN") >= 1);
        // A 403 published afterwards arrives, the 401 before it never does.
        given().auth().oauth2(Tokens.gateway(tenant)).get("/v1/settings/risk").then().statusCode(403);
        refusal(tenant);
        assertEquals(1, refusals.getRecords().stream()
                .filter(r -> tenant.equals(RiskKafka.read(r.value()).path("tenantId").asText())).count());
    }

    private static double refusedCount(String reason) {
        String metrics = ManagementPort.given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(l -> l.startsWith("keystep_access_refused_total{") && l.contains("reason=\"" + reason + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static ConsumerRecord<String, String> refusal(String tenant) {
        Optional<ConsumerRecord<String, String>> found = await().atMost(Duration.ofSeconds(30))
                .until(() -> refusals.getRecords().stream()
                        .filter(r -> tenant.equals(RiskKafka.read(r.value()).path("tenantId").asText()))
                        .findFirst(), Optional::isPresent);
        assertNotNull(found.get());
        return found.get();
    }

    @Test
    void healthMetricsAndTheApiDescriptionAnswerOnTheManagementPortAndNotOnTheApiPort() {
        for (String path : ManagementPort.PATHS) {
            given().get(path).then().statusCode(404);
            ManagementPort.given().get(path).then().statusCode(200);
        }
    }
}
