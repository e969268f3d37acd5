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
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.matchesPattern;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class TenantSettingsTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    private static void put(String tenant, String body) {
        Callers.admin(tenant).contentType(ContentType.JSON).body(body)
                .put("/v1/settings/verify").then().statusCode(200);
    }

    @Test
    void aTenantStartsWithThePlatformDefaults() {
        Callers.admin(LoginThread.unique("t")).get("/v1/settings/verify")
                .then().statusCode(200)
                .body("codeLength", equalTo(6))
                .body("expirySeconds", equalTo(300))
                .body("maxAttempts", equalTo(5))
                .body("autoChannels", contains("sms", "whatsapp", "voice"))
                .body("destinationCooldownSeconds", equalTo(30))
                .body("destinationWindowSeconds", equalTo(600))
                .body("destinationMaxSends", equalTo(5))
                .body("failuresToLock", equalTo(10))
                .body("failureWindowSeconds", equalTo(900))
                .body("firstLockoutSeconds", equalTo(30))
                .body("maxLockoutSeconds", equalTo(3600))
                .body("failuresToSuspend", equalTo(100));
    }

    @Test
    void aTenantsOwnSendLimitsAndLockoutThresholdsApply() throws Exception {
        String tenant = LoginThread.unique("t");
        put(tenant, "{\"destinationCooldownSeconds\":5,\"destinationMaxSends\":2,\"failuresToLock\":3,"
                + "\"firstLockoutSeconds\":120}");
        Callers.admin(tenant).get("/v1/settings/verify").then().statusCode(200)
                .body("destinationCooldownSeconds", equalTo(5)).body("destinationMaxSends", equalTo(2))
                .body("failuresToLock", equalTo(3)).body("firstLockoutSeconds", equalTo(120))
                .body("failuresToSuspend", equalTo(100));

        // A 5 s cooldown (the platform's is 30 s) and two sends per window (the platform's is five).
        String phone = VerifyApi.phone();
        VerifyApi.create(tenant, VerifyApi.sms(phone, "amy")).statusCode(201);
        VerifyApi.create(tenant, VerifyApi.sms(phone, "amy")).statusCode(429);
        clock.advance(Duration.ofSeconds(6));
        String second = VerifyApi.create(tenant, VerifyApi.sms(phone, "amy")).statusCode(201).extract().path("id");
        clock.advance(Duration.ofSeconds(6));
        VerifyApi.create(tenant, VerifyApi.sms(phone, "amy")).statusCode(429).header("Retry-After", notNullValue());

        // Three failed checks lock the user (the platform's ten would not), for the tenant's first wait.
        String code = VerifyApi.code(mapper, tenant, second, 1);
        VerifyApi.check(tenant, second, LoginThread.wrong(code), true).body("locked_until", nullValue());
        VerifyApi.check(tenant, second, LoginThread.wrong(code), true).body("locked_until", nullValue());
        Instant before = clock.instant();
        String lockedUntil = VerifyApi.check(tenant, second, LoginThread.wrong(code), true)
                .body("locked_until", notNullValue()).extract().path("locked_until");
        Duration wait = Duration.between(before, Instant.parse(lockedUntil));
        assertThat(wait.toSeconds() >= 119 && wait.toSeconds() <= 121, equalTo(true));
    }

    @Test
    void oneRefusalNamesEverySettingAtFaultAndChangesNothing() {
        String tenant = LoginThread.unique("t");
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"codeLength\":8}")
                .put("/v1/settings/verify").then().statusCode(200);
        // A first lockout out of its own bounds is not also compared with the longest: one error per field.
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"allowedCountries\":[\"XX\"],\"codeLength\":3,"
                        + "\"maxAttempts\":0,\"autoChannels\":[\"pigeon\"],\"ipMaxSends\":0,\"firstLockoutSeconds\":4000,"
                        + "\"maxLockoutSeconds\":60,\"failuresToLock\":20,\"failuresToSuspend\":10}")
                .put("/v1/settings/verify").then().statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", contains("ipMaxSends", "firstLockoutSeconds", "codeLength", "maxAttempts",
                        "autoChannels", "failuresToLock", "allowedCountries"))
                .body("errors[1].message", equalTo("must be between 5 and 3600"))
                .body("errors[5].message", containsString("must not exceed failuresToSuspend"));
        Callers.admin(tenant).get("/v1/settings/verify").then().statusCode(200)
                .body("codeLength", equalTo(8)).body("maxAttempts", equalTo(5)).body("allowedCountries", nullValue());
    }

    @Test
    void limitsOutsideTheNistFloorAreRejectedNamingTheField() {
        String tenant = LoginThread.unique("t");
        String[][] cases = {
                {"{\"destinationCooldownSeconds\":0}", "destinationCooldownSeconds"},
                {"{\"failuresToSuspend\":101}", "failuresToSuspend"},
                {"{\"failuresToLock\":21}", "failuresToLock"},
                {"{\"firstLockoutSeconds\":0}", "firstLockoutSeconds"},
                {"{\"destinationMaxSends\":0}", "destinationMaxSends"},
                {"{\"ipMaxSends\":0}", "ipMaxSends"},
                {"{\"tenantWindowSeconds\":0}", "tenantWindowSeconds"},
                {"{\"firstLockoutSeconds\":600,\"maxLockoutSeconds\":300}", "firstLockoutSeconds"},
                {"{\"failuresToSuspend\":15,\"failuresToLock\":20}", "failuresToLock"},
                {"{\"failuresToSuspend\":10,\"failuresToLock\":11}", "failuresToLock"},
                {"{\"destinationWindowSeconds\":60,\"destinationCooldownSeconds\":90}", "destinationCooldownSeconds"},
        };
        for (String[] c : cases) {
            Callers.admin(tenant).contentType(ContentType.JSON).body(c[0])
                    .put("/v1/settings/verify").then().statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors[0].field", equalTo(c[1]));
        }
        // The first wait may not exceed the longest: the field named is the one the request set.
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"maxLockoutSeconds\":60}")
                .put("/v1/settings/verify").then().statusCode(200);
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"firstLockoutSeconds\":3600,\"maxLockoutSeconds\":60}")
                .put("/v1/settings/verify").then().statusCode(400).body("errors[0].field", equalTo("firstLockoutSeconds"));
    }

    @Test
    void aTenantsOwnDefaultsShapeItsVerifications() throws Exception {
        String tenant = LoginThread.unique("t");
        put(tenant, "{\"codeLength\":8,\"expirySeconds\":120,\"maxAttempts\":3,\"autoChannels\":[\"voice\",\"sms\"]}");

        Instant before = clock.instant();
        var created = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"auto\"}")
                .statusCode(201)
                .body("channel", equalTo("voice"))
                .body("remainingAttempts", equalTo(3))
                .extract();
        String id = created.path("id");
        Duration lifetime = Duration.between(before, Instant.parse(created.path("expiresAt")));
        assertThat(lifetime.toSeconds() >= 119 && lifetime.toSeconds() <= 121, equalTo(true));
        JsonNode job = mapper.readTree(EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(id)).get(0).value());
        assertThat(job.at("/payload/channelPlan").toString(), equalTo("[\"VOICE\",\"SMS\"]"));
        String code = VerifyApi.code(mapper, tenant, id, 1);
        assertThat(code, matchesPattern("[0-9]{8}"));

        VerifyApi.check(tenant, id, LoginThread.wrong(code), true).body("remainingAttempts", equalTo(2));
        VerifyApi.check(tenant, id, LoginThread.wrong(code), true).body("remainingAttempts", equalTo(1));
        VerifyApi.check(tenant, id, LoginThread.wrong(code), true).body("status", equalTo("max_attempts_reached"));
    }

    @Test
    void loginChallengesFollowTheTenantsDefaults() throws Exception {
        String tenant = LoginThread.unique("t");
        put(tenant, "{\"minCodeLength\":4,\"codeLength\":4,\"expirySeconds\":60}");
        LoginThread.Issued issued = LoginThread.challenge(mapper, tenant);
        assertThat(issued.code(), matchesPattern("[0-9]{4}"));

        clock.advance(Duration.ofSeconds(61));
        VerifyApi.check(tenant, issued.challengeId(), issued.code(), true).statusCode(200)
                .body("status", equalTo("expired"));
    }

    @Test
    void valuesOutsideTheBoundsAreRejectedNamingTheField() {
        String tenant = LoginThread.unique("t");
        String[][] cases = {
                {"{\"codeLength\":11}", "codeLength"},
                {"{\"codeLength\":3}", "codeLength"},
                {"{\"codeLength\":5}", "codeLength"},
                {"{\"minCodeLength\":3}", "minCodeLength"},
                {"{\"minCodeLength\":11}", "minCodeLength"},
                {"{\"minCodeLength\":8,\"codeLength\":7}", "codeLength"},
                {"{\"expirySeconds\":59}", "expirySeconds"},
                {"{\"expirySeconds\":601}", "expirySeconds"},
                {"{\"maxAttempts\":0}", "maxAttempts"},
                {"{\"maxAttempts\":11}", "maxAttempts"},
                {"{\"autoChannels\":[\"email\"]}", "autoChannels"},
        };
        for (String[] c : cases) {
            Callers.admin(tenant).contentType(ContentType.JSON).body(c[0])
                    .put("/v1/settings/verify").then().statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors[0].field", equalTo(c[1]));
        }
    }

    @Test
    void fourDigitCodesOnlyWhereTheTenantAllowsThemAndNeverForFactorChangesOrRecovery() throws Exception {
        String tenant = LoginThread.unique("t");
        // By default no code is shorter than 6 digits: neither as the tenant's length nor as a request's.
        Callers.admin(tenant).get("/v1/settings/verify").then().statusCode(200).body("minCodeLength", equalTo(6));
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"codeLength\":4}").put("/v1/settings/verify")
                .then().statusCode(400).contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("codeLength"))
                .body("errors[0].message", containsString("minCodeLength"));
        VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\",\"codeLength\":4}")
                .statusCode(400).contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("codeLength"));

        // The tenant allows 4 digits explicitly.
        put(tenant, "{\"minCodeLength\":4,\"codeLength\":4}");
        Callers.admin(tenant).get("/v1/settings/verify").then().body("minCodeLength", equalTo(4))
                .body("codeLength", equalTo(4));
        String login = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\"}")
                .statusCode(201).extract().path("id");
        assertThat(VerifyApi.code(mapper, tenant, login, 1), matchesPattern("[0-9]{4}"));

        // A code that changes factors or recovers an account has 6 digits whatever the tenant allows.
        for (String purpose : new String[]{"factor_change", "recovery"}) {
            String id = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\","
                    + "\"userId\":\"" + LoginThread.unique("u") + "\",\"purpose\":\"" + purpose + "\"}")
                    .statusCode(201).extract().path("id");
            assertThat(VerifyApi.code(mapper, tenant, id, 1), matchesPattern("[0-9]{6}"));
            VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\",\"userId\":\""
                            + LoginThread.unique("u") + "\",\"purpose\":\"" + purpose + "\",\"codeLength\":5}")
                    .statusCode(400).contentType(containsString("application/problem+json"))
                    .body("errors[0].field", equalTo("codeLength"))
                    .body("errors[0].message", containsString("purpose " + purpose));
        }
        // A length set before the minimum was raised gives way to it.
        put(tenant, "{\"minCodeLength\":7}");
        Callers.admin(tenant).get("/v1/settings/verify").then().body("codeLength", equalTo(7));
        String longer = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\"}")
                .statusCode(201).extract().path("id");
        assertThat(VerifyApi.code(mapper, tenant, longer, 1), matchesPattern("[0-9]{7}"));
    }
}
