package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.keystep.testsupport.push.ReferenceAuthenticator;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * The support screen's calls, with a support person's token: finding a user of the tenant, seeing every kind of
 * factor they enrolled through the API (never a secret, a code, a token or the full number), and the support actions
 * (re-enabling after the identity check, revoking a trusted device, opening an account recovery), each kept in the
 * trail with who took it. Another tenant's support sees and changes nothing of the user.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class SupportTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    private static RequestSpecification support(String tenant) {
        return Callers.as(tenant, Tokens.SUPPORT);
    }

    /** The subject of the tenant's support token, as the trail names who acted. */
    private static String supportSubject(String tenant) {
        return tenant + "-" + Tokens.SUPPORT + "-client";
    }

    /** A user whose one enrolment is an authenticator app awaiting its first code. */
    private static void pendingTotp(String tenant, String user) throws Exception {
        FactorProofs.toAdd(tenant, user).contentType(ContentType.JSON).body("{}")
                .post("/v1/users/{u}/factors/totp", user).then().statusCode(201);
    }

    private static List<String> found(String tenant, String query) {
        return support(tenant).queryParam("query", query).get("/v1/support/users").then().statusCode(200)
                .extract().path("users.userId");
    }

    /** A direct verification of the user approved with the code sent; answers its id. */
    private String approvedLogin(String tenant, String user) throws Exception {
        FactorProofs.pastCooldown();
        String id = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), user)).statusCode(201).extract().path("id");
        VerifyApi.check(tenant, id, VerifyApi.code(mapper, tenant, id, 1), true).statusCode(200)
                .body("status", equalTo("approved"));
        return id;
    }

    /** Trusts the device of an approved login of the user; answers {deviceId, token}. */
    private String[] trustedDevice(String tenant, String user, String label) throws Exception {
        var issued = Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"deviceFingerprint\":\"fp-" + UUID.randomUUID() + "\",\"label\":\"" + label + "\"}")
                .post("/v1/verifications/{id}/trust-device", approvedLogin(tenant, user)).then().statusCode(201)
                .extract();
        return new String[]{issued.path("deviceId"), issued.path("token")};
    }

    @Test
    void supportFindsTheTenantsUsersByTheStartOfTheirIdTakenLiterallyAndNeverAnotherTenants() throws Exception {
        String tenant = LoginThread.unique("t");
        String other = LoginThread.unique("t");
        String stem = "s" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        for (String user : List.of(stem + "xann", stem + "_ann", stem + "-bob")) {
            pendingTotp(tenant, user);
        }
        pendingTotp(other, stem + "-eve");

        // Sorted by code point ('-' < '_' < 'x'), each with its one factor and no phone.
        assertThat(found(tenant, stem), contains(stem + "-bob", stem + "_ann", stem + "xann"));
        support(tenant).queryParam("query", stem).get("/v1/support/users").then().statusCode(200)
                .body("users[0].factors", equalTo(1)).body("users[0].phoneMasked", nullValue())
                .body("users[0]", org.hamcrest.Matchers.hasKey("phoneMasked"));
        // LIKE's wildcards match only themselves.
        assertThat(found(tenant, stem + "_"), contains(stem + "_ann"));
        assertThat(found(tenant, stem + "%"), empty());
        assertThat(found(tenant, stem.substring(0, 3) + "%" + stem.substring(4)), empty());
        // Each tenant sees its own users only.
        assertThat(found(other, stem), contains(stem + "-eve"));
        assertThat(found(tenant, stem + "-eve"), empty());
        // An administrator doing support finds the same.
        assertThat(Callers.admin(tenant).queryParam("query", stem).get("/v1/support/users").then().statusCode(200)
                .extract().path("users.userId"), contains(stem + "-bob", stem + "_ann", stem + "xann"));
    }

    @Test
    void aSearchAnswersAtMostTwentyUsersTheFirstInOrder() throws Exception {
        String tenant = LoginThread.unique("t");
        String stem = "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            users.add(stem + String.format("%02d", 20 - i));
            pendingTotp(tenant, users.get(i));
        }
        assertThat(found(tenant, stem), equalTo(users.stream().sorted().limit(20).toList()));
    }

    @Test
    void aQueryThatIsNotTwoTo128PrintableCharactersIsRefusedNamingIt() {
        String tenant = LoginThread.unique("t");
        support(tenant).get("/v1/support/users").then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("errors.field", contains("query"));
        for (String query : List.of("a", "x".repeat(129), "ab\u0007c")) {
            support(tenant).queryParam("query", query).get("/v1/support/users").then().statusCode(400)
                    .contentType(containsString("application/problem+json")).body("errors.field", contains("query"));
        }
        assertThat(found(tenant, "x".repeat(128)), empty());
    }

    @Test
    void supportFindsAUserByThePhoneNumberTheyCallFromInTheirTenantOnly() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);

        String spaced = phone.substring(0, 2) + " " + phone.substring(2, 5) + " " + phone.substring(5);
        for (String query : List.of(phone, spaced)) {
            String body = support(tenant).queryParam("query", query).get("/v1/support/users").then().statusCode(200)
                    .body("users.userId", contains(user)).body("users[0].factors", equalTo(1))
                    .body("users[0].phoneMasked", equalTo(PhoneNumbers.mask(phone))).extract().asString();
            assertThat(body, not(containsString(phone)));
            assertThat(body, not(containsString(phone.substring(1))));
        }
        assertThat(found(LoginThread.unique("t"), phone), empty());
    }

    @Test
    void theUserViewShowsEveryKindOfFactorTrustedDevicesAndNoSecret() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        PasskeyTest.relyingParty(tenant, "");
        FactorProofs.enrollPhone(tenant, user, phone);
        String[] totp = new String[2];
        List<String> recoveryCodes = FactorCalls.activeTotp(tenant, user, totp).path("recoveryCodes");
        var hotp = FactorProofs.toAdd(tenant, user).contentType(ContentType.JSON).body("{\"label\":\"Key fob\"}")
                .post("/v1/users/{u}/factors/hotp", user).then().statusCode(201).extract();
        SoftAuthenticator passkey = new SoftAuthenticator(PasskeyTest.ORIGIN, PasskeyTest.RP);
        JsonNode options = mapper.readTree(FactorProofs.toAdd(tenant, user).contentType(ContentType.JSON)
                .body("{\"displayName\":\"Alice\"}").post("/v1/users/{u}/passkeys/registration", user).then()
                .statusCode(200).extract().asString()).get("publicKey");
        PasskeyTest.complete(tenant, user, passkey.register(options.get("challenge").asText())).statusCode(201);
        String pairing = FactorProofs.toAdd(tenant, user).post("/v1/users/{u}/push-devices/pairing", user).then()
                .statusCode(201).extract().path("pairingUrl");
        ReferenceAuthenticator app = ReferenceAuthenticator.es256("fcm", "fcm-token-" + UUID.randomUUID(), "Pixel 9")
                .withClock(clock);
        // The link names the configured public address; the test reaches the service on its own.
        assertThat(app.pair(pairing.replaceFirst("^https?://[^/]+", "http://localhost:" + RestAssured.port))
                .status(), equalTo(201));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"code\":\"" + recoveryCodes.get(0) + "\"}")
                .post("/v1/users/{u}/recovery-codes/redeem", user).then().statusCode(200).body("remaining", equalTo(9));
        String[] device = trustedDevice(tenant, user, "Office laptop");

        String body = support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200)
                .body("userId", equalTo(user))
                .body("factors.kind", contains("sms", "totp", "hotp", "passkey", "push", "recovery_codes"))
                .body("factors.status", contains("active", "active", "pending", "active", "active", "active"))
                .body("factors[0].factorId", notNullValue()).body("factors[0].name", equalTo(PhoneNumbers.mask(phone)))
                .body("factors[1].factorId", equalTo(totp[0])).body("factors[1].lastUsedAt", notNullValue())
                .body("factors[1].preferred", equalTo(false)).body("factors[0].preferred", equalTo(true))
                .body("factors[2].factorId", equalTo(hotp.path("factorId"))).body("factors[2].name", equalTo("Key fob"))
                .body("factors[3].name", equalTo("Laptop")).body("factors[3]", not(org.hamcrest.Matchers.hasKey("cloneSuspectedAt")))
                .body("factors[4].factorId", equalTo(app.deviceId())).body("factors[4].name", equalTo("Pixel 9"))
                .body("factors[4].reachable", equalTo(true))
                .body("factors[5].remaining", equalTo(9)).body("factors[5].lastUsedAt", notNullValue())
                .body("factors[5].factorId", nullValue())
                .body("phone.masked", equalTo(PhoneNumbers.mask(phone))).body("phone.verified", equalTo(true))
                .body("phone.since", notNullValue())
                .body("trustedDevices", hasSize(1)).body("trustedDevices[0].deviceId", equalTo(device[0]))
                .body("trustedDevices[0].label", equalTo("Office laptop"))
                .body("trustedDevices[0].expiresAt", notNullValue())
                .body("lockout", nullValue()).body("openRecoveries", empty())
                .extract().asString();

        // The same list, with no secret, code, key, token or full number anywhere in it.
        List<String> secrets = new ArrayList<>(recoveryCodes);
        secrets.addAll(List.of(phone, phone.substring(1), secret(totp[1]), secret(hotp.path("otpauthUri")),
                app.pushToken(), device[1], passkey.id()));
        for (String secret : secrets) {
            assertThat(body, not(containsString(secret)));
        }
        for (String field : List.of("secret", "token", "publicKey", "credentialId", "hash", "otpauth")) {
            assertThat(body, not(containsString(field)));
        }
    }

    /** The base32 secret of an otpauth URI. */
    private static String secret(String otpauthUri) {
        return otpauthUri.replaceAll(".*[?&]secret=([^&]+).*", "$1");
    }

    @Test
    void anUnknownUserOrAnotherTenantsIsNotFound() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        pendingTotp(tenant, user);
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200);
        support(tenant).get("/v1/support/users/{u}", LoginThread.unique("nobody")).then().statusCode(404)
                .contentType(containsString("application/problem+json"))
                .body("type", equalTo("https://keystep.dev/problems/user-not-found"));
        support(LoginThread.unique("t")).get("/v1/support/users/{u}", user).then().statusCode(404)
                .body("type", equalTo("https://keystep.dev/problems/user-not-found"));
    }

    @Test
    void onlySupportAndAdministratorsReachTheSupportReads() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        pendingTotp(tenant, user);
        for (String role : List.of(Tokens.GATEWAY, Tokens.COMPLIANCE, Tokens.ANALYST, Tokens.WORKER)) {
            Callers.as(tenant, role).queryParam("query", user).get("/v1/support/users").then().statusCode(403)
                    .body("type", equalTo("https://keystep.dev/problems/role-not-allowed"));
            Callers.as(tenant, role).get("/v1/support/users/{u}", user).then().statusCode(403)
                    .body("type", equalTo("https://keystep.dev/problems/role-not-allowed"));
        }
        Callers.admin(tenant).get("/v1/support/users/{u}", user).then().statusCode(200).body("userId", equalTo(user));
    }

    @Test
    void supportSeesALockoutAndLiftsItAfterTheIdentityCheckAndTheTrailSaysWho() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"maxAttempts\":10}").put("/v1/settings/verify")
                .then().statusCode(200);
        FactorProofs.pastCooldown();
        String id = FactorCalls.createVerification(tenant, VerifyApi.sms(phone, user)).statusCode(201)
                .extract().path("id");
        String code = VerifyApi.code(mapper, tenant, id, 1);
        for (int i = 0; i < 10; i++) {
            FactorCalls.check(tenant, id, LoginThread.wrong(code)).statusCode(200);
        }
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200)
                .body("lockout.suspended", equalTo(false)).body("lockout.lockedUntil", notNullValue())
                .body("lockout.failedChecks", equalTo(10));

        String url = "/v1/users/{u}/reenable";
        support(tenant).contentType(ContentType.JSON).body("{}").post(url, user).then().statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", contains("reason", "identityVerifiedBy"));
        support(tenant).contentType(ContentType.JSON).body("{\"identityVerifiedBy\":\"video call with ID card\"}")
                .post(url, user).then().statusCode(400).body("errors.field", contains("reason"));
        support(tenant).contentType(ContentType.JSON).body("{\"reason\":\"locked out, ticket 8812\"}")
                .post(url, user).then().statusCode(400).body("errors.field", contains("identityVerifiedBy"));
        String body = "{\"reason\":\"locked out, ticket 8812\",\"identityVerifiedBy\":\"video call with ID card\"}";
        // Another tenant's support lifts nothing of this user: in its tenant there is nothing to lift.
        support(LoginThread.unique("t")).contentType(ContentType.JSON).body(body).post(url, user).then()
                .statusCode(409).body("type", containsString("not-suspended"));
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200)
                .body("lockout.lockedUntil", notNullValue());

        support(tenant).contentType(ContentType.JSON).body(body).post(url, user).then().statusCode(200)
                .body("userId", equalTo(user)).body("wasSuspended", equalTo(false))
                .body("wasLockedUntil", notNullValue());
        ConsumerRecord<String, String> reenabled = FactorCalls.changes(tenant, user, "REENABLED", 1).get(0);
        assertThat(reenabled.value(), containsString("re-enabled by " + supportSubject(tenant)));
        assertThat(reenabled.value(), containsString("video call with ID card"));
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200).body("lockout", nullValue());
    }

    @Test
    void supportRevokesATrustedDeviceAndTheTrailNamesSupportAndWho() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        pendingTotp(tenant, user);
        String deviceId = trustedDevice(tenant, user, "Home PC")[0];
        String url = "/v1/users/{u}/trusted-devices/{d}";

        support(LoginThread.unique("t")).delete(url, user, deviceId).then().statusCode(404);
        for (String role : List.of(Tokens.COMPLIANCE, Tokens.ANALYST)) {
            Callers.as(tenant, role).delete(url, user, deviceId).then().statusCode(403);
        }
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200)
                .body("trustedDevices.deviceId", contains(deviceId));

        support(tenant).delete(url, user, deviceId).then().statusCode(204);
        support(tenant).delete(url, user, deviceId).then().statusCode(404);
        JsonNode revoked = mapper.readTree(EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(deviceId)
                && r.value().contains("\"DEVICE_REVOKED\"")).get(0).value());
        assertThat(revoked.at("/payload/detail").asText(), equalTo("revoked by support: " + supportSubject(tenant)));
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200).body("trustedDevices", empty());

        // The gateway keeps revoking at the user's request, and its revocation says no more than that.
        String second = trustedDevice(tenant, user, "Phone")[0];
        Callers.gateway(tenant).delete(url, user, second).then().statusCode(204);
        JsonNode byUser = mapper.readTree(EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(second)
                && r.value().contains("\"DEVICE_REVOKED\"")).get(0).value());
        assertThat(byUser.at("/payload/detail").asText(), equalTo("revoked"));
    }

    @Test
    void supportOpensAnAccountRecoveryThatTheViewListsAndAnotherTenantCannotSee() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        pendingTotp(tenant, user);
        String url = "/v1/users/{u}/account-recoveries";
        support(tenant).contentType(ContentType.JSON).body("{}").post(url, user).then().statusCode(400)
                .body("errors.field", contains("ticket"));
        String recovery = support(tenant).contentType(ContentType.JSON).body("{\"ticket\":\"SUP-4711\"}")
                .post(url, user).then().statusCode(201).body("status", equalTo("awaiting_approval"))
                .body("openedBy", equalTo(supportSubject(tenant))).extract().path("recoveryId");
        FactorCalls.changes(tenant, user, "ACCOUNT_RECOVERY_OPENED", 1);
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200)
                .body("openRecoveries.recoveryId", contains(recovery))
                .body("openRecoveries[0].status", equalTo("awaiting_approval"))
                .body("openRecoveries[0].ticket", equalTo("SUP-4711"));

        String stranger = LoginThread.unique("t");
        support(stranger).get(url + "/{r}", user, recovery).then().statusCode(404);
        support(stranger).delete(url + "/{r}", user, recovery).then().statusCode(404);
        // Support approves nothing: a second person, in compliance, does.
        support(tenant).post(url + "/{r}/approve", user, recovery).then().statusCode(403);

        support(tenant).delete(url + "/{r}", user, recovery).then().statusCode(200)
                .body("status", equalTo("canceled")).body("closedBy", equalTo(supportSubject(tenant)));
        support(tenant).get("/v1/support/users/{u}", user).then().statusCode(200).body("openRecoveries", empty());
    }
}
