package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class TrustedDeviceTest {

    /** The public half of the %test signing key, as risk-service would be configured with it. */
    private static final String PUBLIC_KEY = "MCowBQYDK2VwAyEAcbUHCP15F5NDunXGRgQ9mpBxyJrdegD9sv2J9su7OPc=";

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    private String approvedLogin(String tenant, String user) throws Exception {
        String id = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), user)).statusCode(201).extract().path("id");
        VerifyApi.check(tenant, id, VerifyApi.code(mapper, tenant, id, 1), true).statusCode(200)
                .body("status", equalTo("approved"));
        return id;
    }

    private static ExtractableResponse<Response> trust(String tenant, String id, String fingerprint) {
        return Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"deviceFingerprint\":\"" + fingerprint + "\",\"label\":\"Laptop\"}")
                .post("/v1/verifications/{id}/trust-device", id).then().extract();
    }

    @Test
    void anApprovedLoginTrustsTheDeviceOnceWithAnEd25519TokenBoundToTenantUserAndFingerprint() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String id = approvedLogin(tenant, user);
        Instant before = clock.instant();
        ExtractableResponse<Response> issued = trust(tenant, id, "fp-laptop-1");
        assertThat(issued.statusCode(), equalTo(201));
        String token = issued.path("token");
        String deviceId = issued.path("deviceId");

        // A compact EdDSA JWS, checked with the JDK and the public key alone, as risk-service would.
        String[] parts = token.split("\\.");
        assertThat(parts.length, equalTo(3));
        assertThat(mapper.readTree(Base64.getUrlDecoder().decode(parts[0])).path("alg").asText(), equalTo("EdDSA"));
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(PUBLIC_KEY))));
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(Base64.getUrlDecoder().decode(parts[2])), equalTo(true));
        JsonNode claims = mapper.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(claims.path("tid").asText(), equalTo(tenant));
        assertThat(claims.path("sub").asText(), equalTo(user));
        assertThat(claims.path("fph").asText(), equalTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("fp-laptop-1".getBytes(StandardCharsets.UTF_8)))));
        assertThat(claims.path("did").asText(), equalTo(deviceId));
        long days = Duration.between(before, Instant.ofEpochSecond(claims.path("exp").asLong())).toDays();
        assertThat(days >= 29 && days <= 30, equalTo(true));

        assertThat(trust(tenant, id, "fp-laptop-1").statusCode(), equalTo(409));
        String event = EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(deviceId)
                && r.value().contains("\"DEVICE_TRUSTED\"")).get(0).value();
        assertThat(event, not(containsString(parts[2])));
        assertThat(event, not(containsString("fp-laptop-1")));
        Callers.gateway(tenant).get("/v1/users/{u}/trusted-devices", user).then().statusCode(200)
                .body("deviceId", org.hamcrest.Matchers.contains(deviceId))
                .body("[0].label", equalTo("Laptop"));
    }

    @Test
    void anApprovedLoginChallengeTrustsTheLoginsOwnDevice() throws Exception {
        String tenant = LoginThread.unique("t");
        LoginThread.Issued login = LoginThread.challenge(mapper, tenant);
        VerifyApi.check(tenant, login.challengeId(), login.code(), true).statusCode(200)
                .body("status", equalTo("approved"));
        // Another device than the login's is refused (naming the field); the login's own is used by default.
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"deviceFingerprint\":\"fp-thief\"}")
                .post("/v1/verifications/{id}/trust-device", login.challengeId()).then().statusCode(400)
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors[0].field", equalTo("deviceFingerprint"));
        String token = Callers.gateway(tenant).contentType(ContentType.JSON).body("{}")
                .post("/v1/verifications/{id}/trust-device", login.challengeId()).then().statusCode(201)
                .extract().path("token");
        JsonNode claims = mapper.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertThat(claims.path("sub").asText(), equalTo(login.userId()));
        assertThat(claims.path("fph").asText(), equalTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(("fp-" + login.userId()).getBytes(StandardCharsets.UTF_8)))));
    }

    @Test
    void onlyAnApprovedLoginVerificationOfAKnownUserCanTrustADevice() throws Exception {
        String tenant = LoginThread.unique("t");
        String anonymous = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), null)).statusCode(201)
                .extract().path("id");
        VerifyApi.check(tenant, anonymous, VerifyApi.code(mapper, tenant, anonymous, 1), true)
                .body("status", equalTo("approved"));
        assertThat(trust(tenant, anonymous, "fp").statusCode(), equalTo(409));
        String noFingerprint = approvedLogin(tenant, LoginThread.unique("u"));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{}")
                .post("/v1/verifications/{id}/trust-device", noFingerprint).then().statusCode(400)
                .body("errors[0].field", equalTo("deviceFingerprint"));
        // The refused request did not use up the verification's one trust.
        assertThat(trust(tenant, noFingerprint, "fp").statusCode(), equalTo(201));
        String pending = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "pat")).statusCode(201)
                .extract().path("id");
        assertThat(trust(tenant, pending, "fp").statusCode(), equalTo(409));
        assertThat(trust("other-" + tenant, pending, "fp").statusCode(), equalTo(404));
    }

    @Test
    void revokingOneDeviceOrActivatingAFactorRevokesAndPublishesDeviceRevoked() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String first = trust(tenant, approvedLogin(tenant, user), "fp-a").path("deviceId");
        clock.advance(Duration.ofSeconds(31));
        String second = trust(tenant, approvedLogin(tenant, user), "fp-b").path("deviceId");
        Callers.gateway(tenant).delete("/v1/users/{u}/trusted-devices/{d}", user, first)
                .then().statusCode(204);
        Callers.gateway(tenant).delete("/v1/users/{u}/trusted-devices/{d}", user, first)
                .then().statusCode(404);
        JsonNode revoked = mapper.readTree(EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(first)
                && r.value().contains("\"DEVICE_REVOKED\"")).get(0).value());
        assertThat(revoked.at("/payload/factorId").asText(), equalTo(first));

        ExtractableResponse<Response> enrolled = Authenticators.enroll(tenant, user, "totp", "{}");
        Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + Authenticators.oathtoolTotp(enrolled.path("otpauthUri"), clock.instant()) + "\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, (String) enrolled.path("factorId"))
                .then().statusCode(200);
        Callers.gateway(tenant).get("/v1/users/{u}/trusted-devices", user).then().statusCode(200)
                .body("$", hasSize(0));
        EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(second)
                && r.value().contains("\"DEVICE_REVOKED\""));
        // A factor change also forgets the devices risk-service learned from earlier logins.
        EventLog.await(Topics.FACTOR_CHANGED, 1, r -> forgets(r.value(), user, "factor activated"));
    }

    @Test
    void aGatewayRevokesEveryDeviceOfAUserWhenThePasswordChangesAndTheUserIsToldOnce() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String first = trust(tenant, approvedLogin(tenant, user), "fp-a").path("deviceId");
        clock.advance(Duration.ofSeconds(31));
        String second = trust(tenant, approvedLogin(tenant, user), "fp-b").path("deviceId");

        Callers.gateway(tenant).queryParam("reason", "because").delete("/v1/users/{u}/trusted-devices", user)
                .then().statusCode(400).body("errors[0].field", equalTo("reason"));
        Callers.gateway(tenant).delete("/v1/users/{u}/trusted-devices", user)
                .then().statusCode(400).body("errors[0].field", equalTo("reason"));
        Callers.gateway(tenant).get("/v1/users/{u}/trusted-devices", user).then().statusCode(200).body("$", hasSize(2));

        Callers.gateway(tenant).queryParam("reason", "password_changed").delete("/v1/users/{u}/trusted-devices", user)
                .then().statusCode(200).body("revoked", equalTo(2));
        Callers.gateway(tenant).get("/v1/users/{u}/trusted-devices", user).then().statusCode(200).body("$", hasSize(0));

        var revocations = EventLog.await(Topics.FACTOR_CHANGED, 2, r -> (r.value().contains(first)
                || r.value().contains(second)) && r.value().contains("\"DEVICE_REVOKED\"")
                && r.value().contains("password_changed"));
        var forgotten = EventLog.await(Topics.FACTOR_CHANGED, 1, r -> forgets(r.value(), user, "password_changed"));
        assertThat("the revocations carry no notice of their own",
                revocations.stream().filter(r -> r.headers().lastHeader("keystep-notice") != null).count(), equalTo(0L));
        assertThat("one notice for the whole revocation", forgotten.size(), equalTo(1));
        assertThat(forgotten.get(0).headers().lastHeader("keystep-notice") != null, equalTo(true));
        // The revocations come first on the user's key, the devices' forgetting last.
        List<String> order = EventLog.records(Topics.FACTOR_CHANGED, Topics.key(tenant, user)).stream()
                .map(r -> r.value()).filter(v -> v.contains("password_changed")).toList();
        assertThat(order.get(order.size() - 1), containsString("\"DEVICES_FORGOTTEN\""));
    }

    @Test
    void revokingEveryDeviceOfAUserWhoHoldsNoTokenStillForgetsTheDevicesRiskServiceLearned() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        Callers.gateway(tenant).queryParam("reason", "compromise_suspected")
                .delete("/v1/users/{u}/trusted-devices", user).then().statusCode(200).body("revoked", equalTo(0));
        JsonNode event = mapper.readTree(EventLog.await(Topics.FACTOR_CHANGED, 1,
                r -> forgets(r.value(), user, "compromise_suspected")).get(0).value());
        assertThat(event.at("/payload/userId").asText(), equalTo(user));
        assertThat(event.at("/tenantId").asText(), equalTo(tenant));
        assertThat(event.at("/payload/factorId").isMissingNode() || event.at("/payload/factorId").isNull(),
                equalTo(true));
    }

    @Test
    void aDeviceIsTrustedOnlyWithinTheWindowAfterTheApproval() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String late = approvedLogin(tenant, user);
        String inTime = approvedLogin(tenant, user);
        clock.advance(Duration.ofMinutes(4));
        assertThat(trust(tenant, inTime, "fp-in-time").statusCode(), equalTo(201));

        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        ExtractableResponse<Response> refused = trust(tenant, late, "fp-late");
        assertThat(refused.statusCode(), equalTo(409));
        assertThat(refused.path("type"), equalTo("https://keystep.dev/problems/trust-window-passed"));
        assertThat(refused.path("detail"), containsString("300 seconds"));
        Callers.gateway(tenant).get("/v1/users/{u}/trusted-devices", user).then().statusCode(200)
                .body("$", hasSize(1));
    }

    /** A DEVICES_FORGOTTEN record of this user, for this reason. */
    private static boolean forgets(String value, String user, String reason) {
        return value.contains("\"DEVICES_FORGOTTEN\"") && value.contains("\"userId\":\"" + user + "\"")
                && value.contains(reason);
    }
}
