package io.keystep.delivery;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.OpenApiOperations;
import io.keystep.testsupport.auth.OpenApiOperations.Operation;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation the service documents refuses callers that are not authenticated, not of an allowed role, or
 * acting for another tenant; provider callbacks, which carry no token, refuse a missing or bad provider signature.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
class AccessControlTest {

    private static final String TENANT = "acl-tenant";
    private static final List<String> ROLES = List.of(Tokens.GATEWAY, Tokens.WORKER, Tokens.COMPLIANCE, Tokens.ADMIN,
            Tokens.SUPPORT, Tokens.ANALYST);

    /** Token-protected operations and the roles each allows (the costs: the administrator's and the analyst's). */
    private static final Map<String, List<String>> ALLOWED = Map.of(
            "GET /v1/costs", List.of(Tokens.ADMIN, Tokens.ANALYST),
            "GET /v1/deliveries/{challengeId}", List.of(Tokens.WORKER),
            "GET /v1/settings/delivery", List.of(Tokens.ADMIN),
            "PUT /v1/settings/delivery", List.of(Tokens.ADMIN));

    /** Operations deliberately without a bearer token, and why. */
    private static final Map<String, String> SIGNATURE_PROTECTED = Map.of(
            "POST /v1/providers/{provider}/status",
            "provider delivery receipts: providers cannot hold a Keystep token; each is verified with the provider's "
                    + "own signature (Twilio HMAC-SHA1, Telnyx Ed25519, webhook HMAC-SHA256)");

    private static ConsumerTask<String, String> refusals;

    @Inject
    ObjectMapper json;

    @BeforeAll
    static void watchRefusals() {
        refusals = Jobs.kafka().consumeStrings().withOffsetReset(OffsetResetStrategy.EARLIEST)
                .fromTopics(Topics.ACCESS_REFUSED);
    }

    @Test
    void theDocumentListsEveryKnownOperationAndEachIsEitherRoleOrSignatureProtected() {
        Set<String> documented = operations().stream().map(Operation::toString).collect(Collectors.toSet());
        assertTrue(documented.containsAll(ALLOWED.keySet()), "documented: " + documented);
        assertTrue(documented.containsAll(SIGNATURE_PROTECTED.keySet()), "documented: " + documented);
        for (String op : documented) {
            assertTrue(ALLOWED.containsKey(op) || SIGNATURE_PROTECTED.containsKey(op),
                    op + " is new: say which role it allows, or why it is not token-protected");
        }
    }

    @Test
    void everyTokenProtectedOperationRefusesCallersWithoutAValidTokenNamingATenant() {
        for (Operation op : tokenProtected()) {
            String role = ALLOWED.get(op.toString()).get(0);
            assertUnauthenticated(op, given(), "no token");
            assertUnauthenticated(op, bearer(Tokens.wrongAudience(TENANT, role)), "wrong audience");
            assertUnauthenticated(op, bearer(Tokens.expired(TENANT, role)), "expired");
            assertUnauthenticated(op, bearer(Tokens.foreignSignature(TENANT, role)), "foreign signature");
            assertUnauthenticated(op, bearer(Tokens.withoutTenant(role)), "no tenant claim");
            assertUnauthenticated(op, bearer(Tokens.sign(Tokens.builder(TENANT, role).claim("tenant", "a b/c"))),
                    "malformed tenant claim");
        }
    }

    @Test
    void everyTokenProtectedOperationRefusesEveryOtherRoleAndPublishesTheRefusal() {
        for (Operation op : tokenProtected()) {
            List<String> allowed = ALLOWED.get(op.toString());
            for (String role : ROLES) {
                if (allowed.contains(role)) {
                    continue;
                }
                String tenant = "acl-" + role;
                Response answer = call(op, Callers.as(tenant, role));
                assertEquals(403, answer.statusCode(), op + " as " + role);
                assertTrue(answer.contentType().startsWith("application/problem+json"), op + " as " + role);
                assertEquals("https://keystep.dev/problems/role-not-allowed", answer.jsonPath().getString("type"), op + " as " + role);
                JsonNode event = awaitRefusal(tenant, role, "ROLE_NOT_ALLOWED", op);
                assertEquals("delivery-service", event.get("payload").get("service").asText());
            }
        }
    }

    @Test
    void namingAnotherTenantIsRefusedAndPublishedWithTheCallersOwnTenant() {
        for (Operation op : tokenProtected()) {
            for (String role : ALLOWED.get(op.toString())) {
                String tenant = "acl-cross-" + role;
                Response answer = call(op, given().auth().oauth2(Tokens.of(tenant, role))
                        .header("X-Tenant-Id", "someone-else"));
                assertEquals(403, answer.statusCode(), op + " as " + role);
                assertTrue(answer.contentType().startsWith("application/problem+json"), op.toString());
                assertEquals("https://keystep.dev/problems/cross-tenant", answer.jsonPath().getString("type"),
                        op.toString());
                JsonNode event = awaitRefusal(tenant, role, "CROSS_TENANT", op);
                assertEquals("someone-else", event.get("payload").get("requestedTenant").asText());
            }
        }
        // A body naming another tenant counts the same as the header.
        given().auth().oauth2(Tokens.admin("acl-body")).contentType("application/json")
                .body("{\"tenantId\":\"someone-else\",\"fallbackTimeoutSeconds\":60}")
                .put("/v1/settings/delivery").then().statusCode(403).contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.equalTo("https://keystep.dev/problems/cross-tenant"));
        awaitRefusal("acl-body", Tokens.ADMIN, "CROSS_TENANT", null);
        Callers.admin("acl-body").get("/v1/settings/delivery").then().statusCode(200)
                .body("overridden.size()", org.hamcrest.Matchers.equalTo(0));
    }

    @Test
    void theCostsAreReadByTheAdministratorAndTheAnalyst() {
        for (String role : ALLOWED.get("GET /v1/costs")) {
            Callers.as("acl-costs", role).get("/v1/costs").then().statusCode(200);
        }
    }

    @Test
    void aDeliveryOfAnotherTenantIsNotFound() {
        String tenant = Jobs.tenant();
        Jobs.Job job = Jobs.Job.sms(tenant, Jobs.usNumber(), Jobs.code());
        job.publish(json);
        new StatusEvents(json).await(job.challengeId(), "SENT");

        Callers.worker(tenant).get("/v1/deliveries/" + job.challengeId()).then().statusCode(200)
                .body("challengeId", org.hamcrest.Matchers.equalTo(job.challengeId()))
                .body("channel", org.hamcrest.Matchers.equalTo("SMS"))
                .body("delivered", org.hamcrest.Matchers.equalTo(false));
        Callers.worker("another-" + tenant).get("/v1/deliveries/" + job.challengeId()).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void providerCallbacksRefuseAMissingOrBadSignatureWhateverTokenComesWithThem() {
        for (Operation op : operations()) {
            if (!SIGNATURE_PROTECTED.containsKey(op.toString())) {
                continue;
            }
            String now = String.valueOf(Instant.now().getEpochSecond());
            for (String provider : List.of("twilio", "hook", "telnyx")) {
                String path = op.pathTemplate().replace("{provider}", provider);
                String form = "MessageSid=SM1&MessageStatus=delivered";
                String body = "{\"id\":\"x\",\"status\":\"delivered\"}";
                // No signature at all, even with a valid token of every role: a token is no provider signature.
                for (String role : ROLES) {
                    given().auth().oauth2(Tokens.of(TENANT, role)).contentType("application/json").body(body)
                            .post(path).then().statusCode(401).contentType("application/problem+json");
                }
                given().contentType("application/x-www-form-urlencoded").body(form)
                        .header("X-Twilio-Signature", "bm90LWEtc2lnbmF0dXJl")
                        .header("X-Keystep-Timestamp", now).header("X-Keystep-Signature", "v1=" + "00".repeat(32))
                        .header("telnyx-timestamp", now).header("telnyx-signature-ed25519", "bm90LWEtc2lnbmF0dXJl")
                        .post(path).then().statusCode(401).contentType("application/problem+json");
            }
        }
    }

    @Test
    void refusalsAreCountedByReason() {
        given().get("/v1/costs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("type", org.hamcrest.Matchers.equalTo("https://keystep.dev/problems/unauthenticated"));
        ManagementPort.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("keystep_access_refused_total{reason=\"MISSING_TOKEN\"}"));
    }

    private static List<Operation> operations() {
        return OpenApiOperations.fetch();
    }

    private static List<Operation> tokenProtected() {
        List<Operation> ops = new ArrayList<>();
        for (Operation op : operations()) {
            if (!SIGNATURE_PROTECTED.containsKey(op.toString())) {
                ops.add(op);
            }
        }
        assertFalse(ops.isEmpty());
        return ops;
    }

    private static RequestSpecification bearer(String token) {
        return given().auth().oauth2(token);
    }

    private static Response call(Operation op, RequestSpecification request) {
        if (op.hasBody()) {
            request = request.contentType("application/json").body("{}");
        }
        return request.request(op.method(), op.path());
    }

    private static void assertUnauthenticated(Operation op, RequestSpecification request, String why) {
        Response answer = call(op, request);
        assertEquals(401, answer.statusCode(), op + ": " + why);
        assertTrue(answer.contentType().startsWith("application/problem+json"), op + ": " + why);
        assertTrue(Optional.ofNullable(answer.header("WWW-Authenticate")).orElse("").startsWith("Bearer"),
                op + ": " + why);
    }

    private JsonNode awaitRefusal(String tenant, String role, String reason, Operation op) {
        String subject = tenant + "-" + role + "-client";
        ConsumerRecord<String, String> found = await().atMost(Duration.ofSeconds(30)).until(
                () -> refusals.getRecords().stream().filter(r -> Topics.key(tenant, subject).equals(r.key()))
                        .filter(r -> read(r).get("payload").get("reason").asText().equals(reason))
                        .filter(r -> op == null || read(r).get("payload").get("method").asText().equals(op.method()))
                        .findFirst(), Optional::isPresent).orElseThrow();
        JsonNode event = read(found);
        assertEquals(tenant, event.get("tenantId").asText());
        assertEquals(subject, event.get("payload").get("subject").asText());
        assertFalse(found.value().contains("eyJ"), "the token never travels with the refusal");
        return event;
    }

    private JsonNode read(ConsumerRecord<String, String> record) {
        try {
            return json.readTree(record.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void healthMetricsAndTheApiDescriptionAnswerOnTheManagementPortAndNotOnTheApiPort() {
        for (String path : ManagementPort.PATHS) {
            given().get(path).then().statusCode(404);
            ManagementPort.given().get(path).then().statusCode(200);
        }
    }
}
