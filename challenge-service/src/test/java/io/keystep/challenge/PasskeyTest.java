package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.webauthn4j.util.Base64UrlUtil;
import io.keystep.events.Decision;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * Passkeys end to end through the API: the tenant's relying party, registration under the factor-change rules, a
 * login challenged on the passkey and approved by an assertion, and every forgery that has broken a WebAuthn server
 * refused, each signed by a software authenticator exactly as a real one would sign it, with one thing wrong.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class PasskeyTest {

    static final String RP = "example.com";
    static final String ORIGIN = "https://login.example.com";

    @Inject
    ObjectMapper mapper;

    /** Gives the tenant a relying party; {@code extra} adds fields ({@code ,"allowSynced":false}). */
    static void relyingParty(String tenant, String extra) {
        Callers.admin(tenant).contentType(ContentType.JSON)
                .body("{\"rpId\":\"" + RP + "\",\"rpName\":\"Example\",\"origins\":[\"" + ORIGIN + "\"]" + extra + "}")
                .put("/v1/settings/passkeys").then().statusCode(200);
    }

    /** Starts a registration for a user without any factor; answers the creation options. */
    static JsonNode registrationOptions(ObjectMapper mapper, String tenant, String user) throws Exception {
        String body = Callers.gateway(tenant).header("First-Factor-Authenticated-At", FactorProofs.firstFactorAt())
                .contentType(ContentType.JSON).body("{\"displayName\":\"Alice\"}")
                .post("/v1/users/{u}/passkeys/registration", user).then().statusCode(200).extract().asString();
        return mapper.readTree(body).get("publicKey");
    }

    static ValidatableResponse complete(String tenant, String user, String credential) {
        return Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"credential\":" + credential + ",\"label\":\"Laptop\"}")
                .post("/v1/users/{u}/passkeys", user).then();
    }

    /** A user whose only factor is the authenticator's passkey; answers the user handle it was created for. */
    static byte[] enrolled(ObjectMapper mapper, String tenant, String user, SoftAuthenticator authenticator)
            throws Exception {
        JsonNode options = registrationOptions(mapper, tenant, user);
        complete(tenant, user, authenticator.register(options.get("challenge").asText())).statusCode(201);
        return Base64UrlUtil.decode(options.at("/user/id").asText());
    }

    /** A user of a tenant with a relying party, whose only factor is {@code key}. */
    record Holder(String tenant, String user, SoftAuthenticator key) {
    }

    /** A new tenant with a relying party and a user holding a new passkey whose count starts at {@code signCount}. */
    Holder holder(long signCount) throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        relyingParty(tenant, "");
        SoftAuthenticator key = new SoftAuthenticator(ORIGIN, RP);
        key.signCount = signCount;
        enrolled(mapper, tenant, user, key);
        return new Holder(tenant, user, key);
    }

    /** Publishes a challenged login of the user and answers its decision as the gateway reads it. */
    JsonNode challengedLogin(String tenant, String user, String login) throws Exception {
        LoginThread.publishRisk(mapper, tenant, user, login, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, login);
        return mapper.readTree(Callers.gateway(tenant).get("/v1/logins/{l}", login).then().statusCode(200)
                .extract().asString());
    }

    static ValidatableResponse check(String tenant, String challengeId, String assertion) {
        return VerifyApi.check(tenant, challengeId, "{\"passkey\":" + assertion + "}");
    }

    /** An approved factor_change verification answered with the passkey (its sign count moves on by one). */
    static String stepUp(String tenant, String user, SoftAuthenticator key) throws Exception {
        String id = VerifyApi.create(tenant, "{\"channel\":\"passkey\",\"userId\":\"" + user
                + "\",\"purpose\":\"factor_change\"}").statusCode(201).body("channel", equalTo("passkey"))
                .body("passkeyOptions.allowCredentials[0].id", equalTo(key.id())).extract().path("id");
        String challenge = Callers.gateway(tenant).get("/v1/verifications/{id}", id).then().statusCode(200)
                .extract().path("passkeyOptions.challenge");
        key.signCount++;
        check(tenant, id, key.assertion(challenge, null)).statusCode(200).body("status", equalTo("approved"));
        return id;
    }

    @Test
    void aPasskeyIsRegisteredAndALoginIsChallengedOnItAndApprovedByItsAssertion() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        relyingParty(tenant, "");
        SoftAuthenticator key = new SoftAuthenticator(ORIGIN, RP);

        JsonNode options = registrationOptions(mapper, tenant, user);
        assertThat(options.at("/rp/id").asText(), equalTo(RP));
        assertThat(options.at("/user/name").asText(), equalTo(user));
        assertThat(options.at("/user/id").asText(), not(containsString(user)));
        assertThat(options.at("/authenticatorSelection/userVerification").asText(), equalTo("required"));
        assertThat(options.get("attestation").asText(), equalTo("none"));
        String registered = complete(tenant, user, key.register(options.get("challenge").asText())).statusCode(201)
                .body("type", equalTo("passkey")).body("label", equalTo("Laptop"))
                .body("aaguid", equalTo(key.aaguid.toString())).body("backupEligible", equalTo(false))
                .body("recoveryCodes", hasSize(10)).extract().path("factorId");
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .body("find { it.type == 'passkey' }.factorId", equalTo(registered))
                .body("find { it.type == 'passkey' }.status", equalTo("active"));
        FactorCalls.changes(tenant, user, "ACTIVATED", 1);
        // A second registration excludes the passkey already registered.
        JsonNode again = mapper.readTree(Callers.gateway(tenant).header("Step-Up-Verification-Id",
                        stepUp(tenant, user, key)).contentType(ContentType.JSON).body("{}")
                .post("/v1/users/{u}/passkeys/registration", user).then().extract().asString());
        assertThat(again.toString(), again.at("/publicKey/excludeCredentials/0/id").asText(), equalTo(key.id()));

        // The user leaves the second registration unfinished; the login goes on.
        String login = LoginThread.unique("login");
        JsonNode decision = challengedLogin(tenant, user, login);
        assertThat(decision.toString(), decision.get("factor").asText(), equalTo("passkey"));
        JsonNode request = decision.get("passkeyOptions");
        assertThat(request.get("rpId").asText(), equalTo(RP));
        assertThat(request.at("/allowCredentials/0/id").asText(), equalTo(key.id()));
        String challengeId = decision.get("challengeId").asText();
        // The verification shows the same options.
        VerifyApi.check(tenant, challengeId, "{\"code\":\"123456\"}").statusCode(400)
                .body("errors[0].field", equalTo("code"));
        Callers.gateway(tenant).get("/v1/verifications/{id}", challengeId).then().statusCode(200)
                .body("channel", equalTo("passkey"))
                .body("passkeyOptions.challenge", equalTo(request.get("challenge").asText()));

        key.signCount++;
        check(tenant, challengeId, key.assertion(request.get("challenge").asText(), null)).statusCode(200)
                .body("status", equalTo("approved"));
        String completed = EventLog.await(Topics.VERIFICATION_COMPLETED, 1,
                r -> r.value().contains(challengeId) && r.value().contains("\"APPROVED\"")).get(0).value();
        assertThat(completed, containsString("\"factor\":\"PASSKEY\""));
        Callers.gateway(tenant).get("/v1/users/{u}/passkeys", user).then().statusCode(200)
                .body("[0].lastUsedAt", notNullValue()).body("[0].cloneSuspectedAt", nullValue());
    }

    @Test
    void aReplayedAssertionAndAnAssertionForAnotherChallengeAreRefused() throws Exception {
        Holder holder = holder(0);
        String tenant = holder.tenant();
        String user = holder.user();
        SoftAuthenticator key = holder.key();

        JsonNode first = challengedLogin(tenant, user, LoginThread.unique("login"));
        String assertion = key.assertion(first.at("/passkeyOptions/challenge").asText(), null);
        check(tenant, first.get("challengeId").asText(), assertion).statusCode(200).body("status", equalTo("approved"));
        // The same assertion again: the verification approved once.
        check(tenant, first.get("challengeId").asText(), assertion).statusCode(409);

        // The same assertion against the next login: signed over another challenge.
        JsonNode second = challengedLogin(tenant, user, LoginThread.unique("login"));
        String challengeId = second.get("challengeId").asText();
        int before = Callers.gateway(tenant).get("/v1/verifications/{id}", challengeId).then().extract()
                .path("remainingAttempts");
        check(tenant, challengeId, assertion).statusCode(200).body("status", equalTo("pending"))
                .body("remainingAttempts", equalTo(before - 1));
        // An assertion signed for the first challenge, fresh count and all, is still one for another challenge.
        key.signCount = 7;
        check(tenant, challengeId, key.assertion(first.at("/passkeyOptions/challenge").asText(), null))
                .statusCode(200).body("status", equalTo("pending"));
        key.signCount = 8;
        check(tenant, challengeId, key.assertion(second.at("/passkeyOptions/challenge").asText(), null))
                .statusCode(200).body("status", equalTo("approved"));
    }

    @Test
    void anotherOriginAndAnotherRelyingPartyAreRefusedAtLoginAndAtRegistration() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        relyingParty(tenant, "");
        SoftAuthenticator phishing = new SoftAuthenticator("https://login.example.com.evil.test", RP);
        JsonNode options = registrationOptions(mapper, tenant, user);
        complete(tenant, user, phishing.register(options.get("challenge").asText())).statusCode(422)
                .body("detail", containsString("origin"));
        SoftAuthenticator otherRp = new SoftAuthenticator(ORIGIN, "evil.test");
        options = registrationOptions(mapper, tenant, user);
        complete(tenant, user, otherRp.register(options.get("challenge").asText())).statusCode(422)
                .body("detail", containsString("relying party"));

        SoftAuthenticator key = new SoftAuthenticator(ORIGIN, RP);
        enrolled(mapper, tenant, user, key);
        JsonNode decision = challengedLogin(tenant, user, LoginThread.unique("login"));
        String challenge = decision.at("/passkeyOptions/challenge").asText();
        String challengeId = decision.get("challengeId").asText();
        key.origin = "https://evil.test";
        check(tenant, challengeId, key.assertion(challenge, null)).statusCode(200).body("status", equalTo("pending"));
        key.origin = ORIGIN;
        key.rpId = "evil.test";
        check(tenant, challengeId, key.assertion(challenge, null)).statusCode(200).body("status", equalTo("pending"));
        key.rpId = RP;
        check(tenant, challengeId, key.assertion(challenge, null)).statusCode(200).body("status", equalTo("approved"));
    }

    @Test
    void anotherUsersCredentialIsRefusedThoughItsSignatureIsValid() throws Exception {
        String tenant = LoginThread.unique("t");
        String alice = LoginThread.unique("alice");
        String mallory = LoginThread.unique("mallory");
        relyingParty(tenant, "");
        SoftAuthenticator alicesKey = new SoftAuthenticator(ORIGIN, RP);
        enrolled(mapper, tenant, alice, alicesKey);
        SoftAuthenticator mallorysKey = new SoftAuthenticator(ORIGIN, RP);
        byte[] mallorysHandle = enrolled(mapper, tenant, mallory, mallorysKey);

        // Mallory answers Alice's login with her own, perfectly valid, passkey: the right challenge, origin, RP.
        JsonNode decision = challengedLogin(tenant, alice, LoginThread.unique("login"));
        String challenge = decision.at("/passkeyOptions/challenge").asText();
        String challengeId = decision.get("challengeId").asText();
        check(tenant, challengeId, mallorysKey.assertion(challenge, mallorysHandle)).statusCode(200)
                .body("status", equalTo("pending"));
        check(tenant, challengeId, mallorysKey.assertion(challenge, null)).statusCode(200)
                .body("status", equalTo("pending"));
        check(tenant, challengeId, alicesKey.assertion(challenge, null)).statusCode(200)
                .body("status", equalTo("approved"));
    }

    @Test
    void anAssertionWithoutUserVerificationIsRefusedWhereTheTenantRequiresIt() throws Exception {
        Holder holder = holder(0);
        String tenant = holder.tenant();
        String user = holder.user();
        SoftAuthenticator key = holder.key();
        JsonNode decision = challengedLogin(tenant, user, LoginThread.unique("login"));
        key.userVerified = false;
        check(tenant, decision.get("challengeId").asText(),
                key.assertion(decision.at("/passkeyOptions/challenge").asText(), null))
                .statusCode(200).body("status", equalTo("pending"));

        // A tenant that only prefers verification takes the presence of the user alone.
        relyingParty(tenant, ",\"userVerification\":\"preferred\"");
        check(tenant, decision.get("challengeId").asText(),
                key.assertion(decision.at("/passkeyOptions/challenge").asText(), null))
                .statusCode(200).body("status", equalTo("approved"));
        // Registration without user verification is refused where it is required.
        relyingParty(tenant, "");
        String other = LoginThread.unique("u");
        SoftAuthenticator unverified = new SoftAuthenticator(ORIGIN, RP);
        unverified.userVerified = false;
        complete(tenant, other, unverified.register(registrationOptions(mapper, tenant, other).get("challenge")
                .asText())).statusCode(422).body("detail", containsString("verify the user"));
    }

    @Test
    void aSignCountThatGoesBackwardsIsFlaggedAndRefusedOrOnlyFlaggedByPolicy() throws Exception {
        Holder holder = holder(5);
        String tenant = holder.tenant();
        String user = holder.user();
        SoftAuthenticator key = holder.key();

        JsonNode decision = challengedLogin(tenant, user, LoginThread.unique("login"));
        String challenge = decision.at("/passkeyOptions/challenge").asText();
        String challengeId = decision.get("challengeId").asText();
        key.signCount = 5;
        check(tenant, challengeId, key.assertion(challenge, null)).statusCode(200).body("status", equalTo("pending"));
        Callers.gateway(tenant).get("/v1/users/{u}/passkeys", user).then().statusCode(200)
                .body("[0].cloneSuspectedAt", notNullValue());
        FactorCalls.changes(tenant, user, "CLONE_SUSPECTED", 1);
        key.signCount = 3;
        check(tenant, challengeId, key.assertion(challenge, null)).statusCode(200).body("status", equalTo("pending"));
        key.signCount = 6;
        check(tenant, challengeId, key.assertion(challenge, null)).statusCode(200).body("status", equalTo("approved"));

        // Flag only: the assertion passes, the credential stays flagged, the count does not go back.
        relyingParty(tenant, ",\"signCountPolicy\":\"flag\"");
        JsonNode next = challengedLogin(tenant, user, LoginThread.unique("login"));
        key.signCount = 2;
        check(tenant, next.get("challengeId").asText(), key.assertion(next.at("/passkeyOptions/challenge").asText(),
                null)).statusCode(200).body("status", equalTo("approved"));
        JsonNode listed = mapper.readTree(Callers.gateway(tenant).get("/v1/users/{u}/passkeys", user).then()
                .statusCode(200).extract().asString());
        assertThat(listed.get(0).get("cloneSuspectedAt").isNull(), equalTo(false));
    }

    @Test
    void ofTwoConcurrentChecksWithOneAssertionOnlyOneApproves() throws Exception {
        Holder holder = holder(0);
        String tenant = holder.tenant();
        String user = holder.user();
        SoftAuthenticator key = holder.key();
        JsonNode decision = challengedLogin(tenant, user, LoginThread.unique("login"));
        key.signCount = 1;
        String assertion = key.assertion(decision.at("/passkeyOptions/challenge").asText(), null);
        String challengeId = decision.get("challengeId").asText();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(() -> {
                    var r = check(tenant, challengeId, assertion).extract();
                    return r.statusCode() == 200 && "approved".equals(r.path("status")) ? 1 : 0;
                });
            }
            int approved = 0;
            for (Future<Integer> f : pool.invokeAll(calls)) {
                approved += f.get();
            }
            assertThat(approved, equalTo(1));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void registrationChecksEveryAttestationFormatAndTheTenantsPolicy() throws Exception {
        String tenant = LoginThread.unique("t");
        relyingParty(tenant, ",\"allowSynced\":false,\"aaguidDeny\":[\"ee882879-721c-4913-9775-3dfcce97072a\"]");

        String user = LoginThread.unique("u");
        SoftAuthenticator forged = new SoftAuthenticator(ORIGIN, RP);
        forged.format = "packed-forged";
        complete(tenant, user, forged.register(registrationOptions(mapper, tenant, user).get("challenge").asText()))
                .statusCode(422).body("type", containsString("passkey-refused"));
        SoftAuthenticator unknownFormat = new SoftAuthenticator(ORIGIN, RP);
        unknownFormat.format = "made-up";
        complete(tenant, user, unknownFormat.register(registrationOptions(mapper, tenant, user).get("challenge")
                .asText())).statusCode(400).body("errors[0].field", equalTo("credential"));
        SoftAuthenticator synced = new SoftAuthenticator(ORIGIN, RP);
        synced.backupEligible = true;
        complete(tenant, user, synced.register(registrationOptions(mapper, tenant, user).get("challenge").asText()))
                .statusCode(422).body("detail", containsString("synced"));
        SoftAuthenticator denied = new SoftAuthenticator(ORIGIN, RP);
        denied.aaguid = java.util.UUID.fromString("ee882879-721c-4913-9775-3dfcce97072a");
        complete(tenant, user, denied.register(registrationOptions(mapper, tenant, user).get("challenge").asText()))
                .statusCode(422).body("detail", containsString("AAGUID"));
        // A response for another challenge, and one used twice.
        SoftAuthenticator key = new SoftAuthenticator(ORIGIN, RP);
        registrationOptions(mapper, tenant, user);
        complete(tenant, user, key.register(Base64UrlUtil.encodeToString(new byte[32]))).statusCode(422)
                .body("detail", containsString("another challenge"));
        String response = key.register(registrationOptions(mapper, tenant, user).get("challenge").asText());
        complete(tenant, user, response).statusCode(201);
        complete(tenant, user, response).statusCode(422).body("detail", containsString("no registration"));
        // A well-signed packed self attestation is accepted under attestation none.
        SoftAuthenticator packed = new SoftAuthenticator(ORIGIN, RP);
        packed.format = "packed";
        JsonNode options = mapper.readTree(Callers.gateway(tenant).header("Step-Up-Verification-Id",
                        stepUp(tenant, user, key)).contentType(ContentType.JSON).body("{}")
                .post("/v1/users/{u}/passkeys/registration", user).then().statusCode(200).extract().asString());
        complete(tenant, user, packed.register(options.at("/publicKey/challenge").asText())).statusCode(201)
                .body("attestationFormat", equalTo("packed"));
    }

    @Test
    void registrationIsAFactorChangeAndPasskeysNeedTheTenantsRelyingParty() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        // No relying party yet: 409, and no step-up is spent.
        Callers.gateway(tenant).header("First-Factor-Authenticated-At", FactorProofs.firstFactorAt())
                .contentType(ContentType.JSON).body("{}").post("/v1/users/{u}/passkeys/registration", user).then()
                .statusCode(409).body("type", containsString("passkeys-not-configured"));
        relyingParty(tenant, "");
        SoftAuthenticator key = new SoftAuthenticator(ORIGIN, RP);
        enrolled(mapper, tenant, user, key);
        // The user has a factor now: the first-factor header no longer adds one.
        Callers.gateway(tenant).header("First-Factor-Authenticated-At", FactorProofs.firstFactorAt())
                .contentType(ContentType.JSON).body("{}").post("/v1/users/{u}/passkeys/registration", user).then()
                .statusCode(403).body("type", containsString("step-up-required"));

        // A step-up answered with the passkey authorises the next change: an authenticator app.
        Callers.gateway(tenant).header("Step-Up-Verification-Id", stepUp(tenant, user, key))
                .contentType(ContentType.JSON).body("{}").post("/v1/users/{u}/factors/totp", user).then()
                .statusCode(201);

        // Removing the passkey needs a step-up too.
        String factorId = Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .extract().path("find { it.type == 'passkey' }.factorId");
        Callers.gateway(tenant).delete("/v1/users/{u}/factors/{f}", user, factorId).then().statusCode(403);
        Callers.gateway(tenant).header("Step-Up-Verification-Id", stepUp(tenant, user, key))
                .delete("/v1/users/{u}/factors/{f}", user, factorId).then().statusCode(204);
        FactorCalls.changes(tenant, user, "REMOVED", 1);
        Callers.gateway(tenant).get("/v1/users/{u}/passkeys", user).then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void theRelyingPartySettingsNameEveryBadField() {
        String tenant = LoginThread.unique("t");
        Callers.admin(tenant).contentType(ContentType.JSON)
                .body("{\"rpId\":\"Example.COM/x\",\"rpName\":\"\",\"origins\":[\"http://login.example.com\"],"
                        + "\"userVerification\":\"always\",\"attestation\":\"direct\",\"aaguidAllow\":[\"nope\"]}")
                .put("/v1/settings/passkeys").then().statusCode(400)
                .body("errors.field", hasItem("rpId")).body("errors.field", hasItem("rpName"))
                .body("errors.field", hasItem("userVerification")).body("errors.field", hasItem("trustAnchors"))
                .body("errors.field", hasItem("aaguidAllow"));
        Callers.admin(tenant).contentType(ContentType.JSON)
                .body("{\"rpId\":\"example.com\",\"rpName\":\"Example\",\"origins\":[\"https://example.org\"]}")
                .put("/v1/settings/passkeys").then().statusCode(400).body("errors[0].field", equalTo("origins"));
        Callers.admin(tenant).get("/v1/settings/passkeys").then().statusCode(404);
        relyingParty(tenant, "");
        Callers.admin(tenant).get("/v1/settings/passkeys").then().statusCode(200).body("rpId", equalTo(RP))
                .body("userVerification", equalTo("required")).body("attestation", equalTo("none"))
                .body("allowSynced", equalTo(true)).body("signCountPolicy", equalTo("refuse"));
        EventLog.await(Topics.TENANT_SETTINGS_CHANGED, 1, r -> r.key() != null && r.key().startsWith(tenant + ":")
                && r.value().contains("\"area\":\"passkeys\""));
    }
}
