package io.keystep.challenge;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.OpenApiOperations;
import io.keystep.testsupport.auth.OpenApiOperations.Operation;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

/**
 * Who may call what, for every operation the live OpenAPI document lists: a call without a valid token (none,
 * another audience, expired, another issuer's signature, no tenant claim) → 401; a valid token of a role the
 * operation does not allow → 403; a token of one tenant naming another in {@code X-Tenant-Id} → 403, with the
 * refusal on {@code security.access-refused.v1}. challenge-service has no operation outside token protection
 * (no provider callbacks): every documented operation is checked.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class AccessControlTest {

    private static final List<String> ROLES = List.of(Tokens.GATEWAY, Tokens.WORKER, Tokens.COMPLIANCE, Tokens.ADMIN,
            Tokens.SUPPORT, Tokens.ANALYST);

    /** Every operation the service has, with the one role allowed to call it. */
    private static final Map<String, String> ONLY = Map.ofEntries(
            Map.entry("POST /v1/verifications", Tokens.GATEWAY),
            Map.entry("GET /v1/verifications/{id}", Tokens.GATEWAY),
            Map.entry("POST /v1/verifications/{id}/check", Tokens.GATEWAY),
            Map.entry("POST /v1/verifications/{id}/resend", Tokens.GATEWAY),
            Map.entry("POST /v1/verifications/{id}/cancel", Tokens.GATEWAY),
            Map.entry("POST /v1/verifications/{id}/trust-device", Tokens.GATEWAY),
            Map.entry("GET /v1/logins/{loginId}", Tokens.GATEWAY),
            Map.entry("POST /v1/logins/{loginId}/switch", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/nudges/dismiss", Tokens.GATEWAY),
            Map.entry("GET /v1/settings/enrollment-nudge", Tokens.ADMIN),
            Map.entry("PUT /v1/settings/enrollment-nudge", Tokens.ADMIN),
            Map.entry("PUT /v1/users/{userId}/phone", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/passkeys/registration", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/passkeys", Tokens.GATEWAY),
            Map.entry("GET /v1/users/{userId}/passkeys", Tokens.GATEWAY),
            Map.entry("GET /v1/settings/passkeys", Tokens.ADMIN),
            Map.entry("POST /v1/users/{userId}/push-devices/pairing", Tokens.GATEWAY),
            Map.entry("GET /v1/users/{userId}/push-devices", Tokens.GATEWAY),
            Map.entry("GET /v1/settings/push", Tokens.ADMIN),
            Map.entry("PUT /v1/settings/push", Tokens.ADMIN),
            Map.entry("PUT /v1/settings/passkeys", Tokens.ADMIN),
            Map.entry("GET /v1/users/{userId}/factors", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/factors/totp", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/factors/hotp", Tokens.GATEWAY),
            Map.entry("GET /v1/users/{userId}/factors/{factorId}/qr.png", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/factors/{factorId}/activate", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/factors/{factorId}/resync", Tokens.GATEWAY),
            Map.entry("PATCH /v1/users/{userId}/factors/{factorId}", Tokens.GATEWAY),
            Map.entry("DELETE /v1/users/{userId}/factors/{factorId}", Tokens.GATEWAY),
            Map.entry("GET /v1/users/{userId}/recovery-codes", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/recovery-codes", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/recovery-codes/redeem", Tokens.GATEWAY),
            Map.entry("GET /v1/users/{userId}/trusted-devices", Tokens.GATEWAY),
            Map.entry("DELETE /v1/users/{userId}/trusted-devices", Tokens.GATEWAY),
            Map.entry("GET /v1/settings/verify", Tokens.ADMIN),
            Map.entry("PUT /v1/settings/verify", Tokens.ADMIN),
            Map.entry("GET /v1/settings/account-recovery", Tokens.ADMIN),
            Map.entry("PUT /v1/settings/account-recovery", Tokens.ADMIN),
            Map.entry("POST /v1/users/{userId}/phone/confirm", Tokens.GATEWAY),
            Map.entry("POST /v1/users/{userId}/account-recoveries/{recoveryId}/approve", Tokens.COMPLIANCE));

    /**
     * Operations of the paired phone app, deliberately without a bearer token (an app holds none): the pairing link
     * authorises pairing, the device's key signs every other request.
     */
    private static final Map<String, String> DEVICE_SIGNED = Map.of(
            "POST /v1/push/pairings/{token}", "single-use pairing link, the new key's signature over it",
            "PUT /v1/push/devices/{deviceId}/token", "signed by the device's key",
            "GET /v1/push/challenges/{challengeId}/context", "signed by the device's key",
            "POST /v1/push/challenges/{challengeId}/answer", "signed by the device's key");

    /** The operations that take a bearer token. */
    private static List<Operation> tokenOperations() {
        return OpenApiOperations.fetch().stream().filter(op -> !DEVICE_SIGNED.containsKey(op.toString())).toList();
    }

    /**
     * Every operation with the roles allowed to call it: most allow one; support's operations, account recovery and
     * the revocation of one trusted device involve several.
     */
    private static final Map<String, Set<String>> ALLOWED = allowed();

    private static Map<String, Set<String>> allowed() {
        Map<String, Set<String>> all = new java.util.HashMap<>();
        ONLY.forEach((op, role) -> all.put(op, Set.of(role)));
        // Support staff, and administrators, who keep the support actions they had.
        all.put("GET /v1/support/users", Set.of(Tokens.SUPPORT, Tokens.ADMIN));
        all.put("GET /v1/support/users/{userId}", Set.of(Tokens.SUPPORT, Tokens.ADMIN));
        all.put("POST /v1/users/{userId}/reenable", Set.of(Tokens.SUPPORT, Tokens.ADMIN));
        all.put("POST /v1/users/{userId}/account-recoveries", Set.of(Tokens.SUPPORT, Tokens.ADMIN));
        // The gateway revokes a device at the user's request; support on its own word.
        all.put("DELETE /v1/users/{userId}/trusted-devices/{deviceId}",
                Set.of(Tokens.GATEWAY, Tokens.SUPPORT, Tokens.ADMIN));
        // Support withdraws a recovery; the user, through the gateway and with a factor left, cancels it.
        all.put("DELETE /v1/users/{userId}/account-recoveries/{recoveryId}",
                Set.of(Tokens.SUPPORT, Tokens.ADMIN, Tokens.GATEWAY));
        all.put("GET /v1/users/{userId}/account-recoveries/{recoveryId}",
                Set.of(Tokens.SUPPORT, Tokens.ADMIN, Tokens.COMPLIANCE, Tokens.GATEWAY));
        return Map.copyOf(all);
    }

    @Inject
    ObjectMapper mapper;

    @Test
    void theDocumentListsExactlyTheKnownOperationsUnderTheBearerScheme() throws Exception {
        Set<String> documented = OpenApiOperations.fetch().stream().map(Operation::toString)
                .collect(Collectors.toCollection(TreeSet::new));
        // An operation missing here must be classified above before it can ship.
        TreeSet<String> known = new TreeSet<>(ALLOWED.keySet());
        known.addAll(DEVICE_SIGNED.keySet());
        assertThat(documented, equalTo(known));

        JsonNode document = mapper.readTree(ManagementPort.given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        JsonNode schemes = document.at("/components/securitySchemes");
        assertThat(schemes.toString(), containsString("bearer"));
        assertThat(schemes.toString(), containsString("JWT"));
        for (Operation op : tokenOperations()) {
            JsonNode operation = document.at("/paths").get(op.pathTemplate()).get(op.method().toLowerCase());
            assertThat(op + " declares the bearer requirement", operation.path("security").isEmpty(), equalTo(false));
        }
    }

    @Test
    void theAppsOperationsRefuseAnUnsignedCall() {
        for (String op : DEVICE_SIGNED.keySet()) {
            String[] parts = op.split(" ", 2);
            String path = parts[1].replaceAll("\\{[^}]+}", "x" + "a".repeat(30));
            int status = given().contentType("application/json").body("{}").request(parts[0], path).then().extract()
                    .statusCode();
            assertThat(op + " unsigned", status, equalTo(op.contains("pairings") ? 400 : 401));
        }
    }

    @Test
    void everyOperationRefusesACallWithoutAValidToken() {
        String tenant = LoginThread.unique("ac");
        for (Operation op : tokenOperations()) {
            String role = ALLOWED.get(op.toString()).iterator().next();
            Map<String, String> tokens = Map.of(
                    "wrong audience", Tokens.wrongAudience(tenant, role),
                    "expired", Tokens.expired(tenant, role),
                    "foreign signature", Tokens.foreignSignature(tenant, role),
                    "no tenant claim", Tokens.withoutTenant(role));
            unauthenticated(call(op, given()), op + " without a token");
            tokens.forEach((what, token) ->
                    unauthenticated(call(op, given().auth().oauth2(token)), op + " with a token of " + what));
        }
    }

    @Test
    void everyOperationRefusesARoleItDoesNotAllowAndTellsTheTrail() throws Exception {
        String tenant = LoginThread.unique("ac");
        int refusals = 0;
        for (Operation op : tokenOperations()) {
            for (String role : ROLES) {
                if (ALLOWED.get(op.toString()).contains(role)) {
                    continue;
                }
                call(op, given().auth().oauth2(Tokens.of(tenant, role))).statusCode(403)
                        .contentType(containsString("application/problem+json"))
                        .body("status", equalTo(403)).body("type", equalTo("https://keystep.dev/problems/role-not-allowed"));
                refusals++;
            }
        }
        // Each refusal is on Kafka, keyed by the caller, with the caller's tenant and never its token.
        String subject = tenant + "-worker-client";
        List<ConsumerRecord<String, String>> records = EventLog.await(Topics.ACCESS_REFUSED,
                ALLOWED.size(), r -> Topics.key(tenant, subject).equals(r.key()));
        assertThat(records, hasSize(ALLOWED.size()));
        JsonNode event = mapper.readTree(records.stream().filter(r -> r.value().contains("/v1/settings/verify"))
                .findFirst().orElseThrow().value());
        assertThat(event.at("/tenantId").asText(), equalTo(tenant));
        assertThat(event.at("/type").asText(), equalTo("security.access-refused"));
        assertThat(event.at("/payload/subject").asText(), equalTo(subject));
        assertThat(event.at("/payload/service").asText(), equalTo("challenge-service"));
        assertThat(event.at("/payload/reason").asText(), equalTo("ROLE_NOT_ALLOWED"));
        assertThat(records.get(0).value(), not(containsString(Tokens.of(tenant, Tokens.WORKER))));
        assertThat(refusals, equalTo(ALLOWED.values().stream().mapToInt(roles -> ROLES.size() - roles.size()).sum()));
    }

    @Test
    void aTokenOfOneTenantNamingAnotherIsRefusedAndTheRefusalIsPublished() throws Exception {
        String tenant = LoginThread.unique("ac");
        String victim = LoginThread.unique("victim");
        Map<String, String> representative = Map.of(
                "POST /v1/verifications", Tokens.GATEWAY,
                "POST /v1/verifications/{id}/check", Tokens.GATEWAY,
                "GET /v1/logins/{loginId}", Tokens.GATEWAY,
                "GET /v1/users/{userId}/factors", Tokens.GATEWAY,
                "GET /v1/support/users/{userId}", Tokens.SUPPORT,
                "PUT /v1/settings/verify", Tokens.ADMIN);
        for (Operation op : tokenOperations()) {
            String role = representative.get(op.toString());
            if (role == null) {
                continue;
            }
            call(op, given().auth().oauth2(Tokens.of(tenant, role)).header("X-Tenant-Id", victim)).statusCode(403)
                    .contentType(containsString("application/problem+json"))
                    .body("type", equalTo("https://keystep.dev/problems/cross-tenant"));
        }
        List<ConsumerRecord<String, String>> records = EventLog.await(Topics.ACCESS_REFUSED, representative.size(),
                r -> r.value().contains("\"requestedTenant\":\"" + victim + "\""));
        assertThat(records, hasSize(representative.size()));
        for (ConsumerRecord<String, String> r : records) {
            JsonNode event = mapper.readTree(r.value());
            assertThat(event.at("/tenantId").asText(), equalTo(tenant));
            assertThat(event.at("/payload/reason").asText(), equalTo("CROSS_TENANT"));
            assertThat(r.key(), equalTo(Topics.key(tenant, event.at("/payload/subject").asText())));
            assertThat(r.value(), not(containsString("eyJ")));
        }
        assertThat(records.stream().map(r -> r.value()).filter(v -> v.contains("\"path\":\"/v1/settings/verify\""))
                .count(), equalTo(1L));

        // The same header naming the caller's own tenant is accepted: the header is optional, not forbidden.
        given().auth().oauth2(Tokens.admin(tenant)).header("X-Tenant-Id", tenant).get("/v1/settings/verify")
                .then().statusCode(200);
    }

    @Test
    void refusalsAreCountedByReasonAndHealthMetricsAndTheDocumentNeedNoToken() {
        String tenant = LoginThread.unique("ac");
        given().get("/v1/settings/verify").then().statusCode(401).body("type", equalTo("https://keystep.dev/problems/unauthenticated"));
        given().auth().oauth2(Tokens.expired(tenant, Tokens.ADMIN)).get("/v1/settings/verify").then().statusCode(401);
        given().auth().oauth2(Tokens.withoutTenant(Tokens.ADMIN)).get("/v1/settings/verify").then().statusCode(401);
        given().auth().oauth2(Tokens.gateway(tenant)).get("/v1/settings/verify").then().statusCode(403);
        ManagementPort.given().get("/q/health/live").then().statusCode(200);
        ManagementPort.given().get("/q/openapi").then().statusCode(200);
        ManagementPort.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("keystep_access_refused_total{reason=\"MISSING_TOKEN\"}"))
                .body(containsString("keystep_access_refused_total{reason=\"INVALID_TOKEN\"}"))
                .body(containsString("keystep_access_refused_total{reason=\"MISSING_TENANT\"}"))
                .body(containsString("keystep_access_refused_total{reason=\"ROLE_NOT_ALLOWED\"}"));
    }

    private static void unauthenticated(ValidatableResponse response, String what) {
        int status = response.extract().statusCode();
        assertThat(what, status, equalTo(401));
        response.contentType(containsString("application/problem+json"))
                .header("WWW-Authenticate", containsString("Bearer"));
    }

    private static ValidatableResponse call(Operation op, RequestSpecification request) {
        if (op.hasBody()) {
            request = request.contentType(ContentType.JSON).body("{}");
        }
        return request.request(op.method(), op.path()).then();
    }

    @Test
    void healthMetricsAndTheApiDescriptionAnswerOnTheManagementPortAndNotOnTheApiPort() {
        for (String path : ManagementPort.PATHS) {
            given().get(path).then().statusCode(404);
            ManagementPort.given().get(path).then().statusCode(200);
        }
    }
}
