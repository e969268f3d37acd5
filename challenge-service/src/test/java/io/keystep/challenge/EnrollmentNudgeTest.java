package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Decision;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.ManagementPort;
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

import java.time.Duration;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * Progressive enrollment: after the tenant's number of logins on the phone (or days since the first), the approval
 * invites the user to add a stronger factor; a dismissal holds the invitation back for the tenant's interval.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class EnrollmentNudgeTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    /** One login of the user challenged on the phone and approved with the SMS code; answers the check. */
    private ValidatableResponse approvedSmsLogin(String tenant, String user, String[] loginId) throws Exception {
        FactorProofs.pastCooldown();
        LoginThread.Issued issued = LoginThread.challengeOf(mapper, tenant, user);
        loginId[0] = issued.loginId();
        return VerifyApi.check(tenant, issued.challengeId(), issued.code(), true).statusCode(200)
                .body("status", equalTo("approved"));
    }

    private static ValidatableResponse policy(String tenant, String json) {
        return Callers.admin(tenant).contentType(ContentType.JSON).body(json).put("/v1/settings/enrollment-nudge")
                .then();
    }

    private static String completedEvent(String loginId) {
        return EventLog.await(Topics.VERIFICATION_COMPLETED, 1, r -> r.value().contains(loginId)
                && r.value().contains("\"APPROVED\"")).get(0).value();
    }

    @Test
    void theNudgeAppearsAfterTheThirdSmsLoginAndNotAfterADismissalUntilTheIntervalPassed() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550161");
        String[] login = new String[1];

        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", nullValue());
        assertThat(completedEvent(login[0]), containsString("\"enrollmentNudge\":null"));
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", nullValue());
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", contains("totp"));
        assertThat(completedEvent(login[0]), containsString("\"enrollmentNudge\":[\"totp\"]"));
        Callers.gateway(tenant).get("/v1/logins/{l}", login[0]).then().statusCode(200)
                .body("enrollmentNudge", contains("totp"));

        Callers.gateway(tenant).post("/v1/users/{u}/nudges/dismiss", user).then().statusCode(204);
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", nullValue());
        Callers.gateway(tenant).get("/v1/logins/{l}", login[0]).then().body("enrollmentNudge", nullValue());

        clock.advance(Duration.ofDays(30));
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", contains("totp"));
        ManagementPort.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("keystep_factor_nudges_total{event=\"shown\",factor=\"totp\",tenant=\""
                        + tenant + "\"} 2.0"))
                .body(containsString("keystep_factor_nudges_total{event=\"dismissed\",factor=\"any\",tenant=\""
                        + tenant + "\"} 1.0"));
    }

    @Test
    void daysSinceTheFirstPhoneLoginAlsoBringTheNudgeAndAnEnrollmentAfterItIsCounted() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        policy(tenant, "{\"afterLogins\":100,\"afterDays\":2}").statusCode(200).body("afterLogins", equalTo(100))
                .body("afterDays", equalTo(2)).body("askAgainDays", equalTo(30)).body("enabled", equalTo(true));
        LoginThread.enrollPhone(tenant, user, "+15555550162");
        String[] login = new String[1];
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", nullValue());
        clock.advance(Duration.ofDays(2));
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", contains("totp"));

        String[] totp = new String[2];
        FactorCalls.activeTotp(tenant, user, totp);
        ManagementPort.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("keystep_factor_nudges_total{event=\"enrolled\",factor=\"totp\",tenant=\""
                        + tenant + "\"} 1.0"));
    }

    @Test
    void aUserWithTheOfferedFactorOrATenantWithNudgesOffIsNeverNudged() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        policy(tenant, "{\"afterLogins\":1}").statusCode(200);
        LoginThread.enrollPhone(tenant, user, "+15555550163");
        String[] login = new String[1];
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", contains("totp"));

        String other = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, other, "+15555550164");
        FactorCalls.activeTotp(tenant, other, new String[2]);
        // The phone stays preferred for the login, but the user already has what the nudge would ask for.
        String phoneId = Callers.gateway(tenant).get("/v1/users/{u}/factors", other).then().extract()
                .path("find { it.type == 'sms' }.factorId");
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"preferred\":true}")
                .patch("/v1/users/{u}/factors/{f}", other, phoneId).then().statusCode(200);
        approvedSmsLogin(tenant, other, login).body("enrollmentNudge", nullValue());

        policy(tenant, "{\"enabled\":false}").statusCode(200).body("enabled", equalTo(false));
        approvedSmsLogin(tenant, user, login).body("enrollmentNudge", nullValue());
        JsonNode change = mapper.readTree(EventLog.await(Topics.TENANT_SETTINGS_CHANGED, 1,
                r -> r.value().contains(tenant) && r.value().contains("\"enabled\"")).get(0).value());
        assertThat(change.at("/payload/area").asText(), equalTo("enrollment-nudge"));
    }

    @Test
    void thePolicyIsTheTenantAdminsAndRefusesBadValuesNamingTheField() {
        String tenant = LoginThread.unique("t");
        policy(tenant, "{\"factors\":[\"sms\"],\"afterDays\":0}").statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", contains("afterDays", "factors"));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"afterLogins\":1}")
                .put("/v1/settings/enrollment-nudge").then().statusCode(403);
        policy(tenant, "{\"afterLogins\":5}").statusCode(200);
        // Another tenant's admin reads and changes only its own policy.
        String other = LoginThread.unique("t");
        Callers.admin(other).get("/v1/settings/enrollment-nudge").then().statusCode(200)
                .body("afterLogins", equalTo(3)).body("factors", contains("totp"));
        Callers.admin(tenant).get("/v1/settings/enrollment-nudge").then().body("afterLogins", equalTo(5));
    }

    @Test
    void dismissingWhenNoNudgeWasShownIsA404() {
        String tenant = LoginThread.unique("t");
        Callers.gateway(tenant).post("/v1/users/{u}/nudges/dismiss", LoginThread.unique("u")).then().statusCode(404)
                .body("detail", not(containsString("null")));
    }

    @Test
    void aLoginAnsweredWithoutThePhoneCountsNothing() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        policy(tenant, "{\"afterLogins\":1}").statusCode(200);
        List<String> codes = FactorCalls.generateRecoveryCodes(tenant, user);
        String loginId = LoginThread.unique("login");
        LoginThread.publishRisk(mapper, tenant, user, loginId, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        String challengeId = LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, loginId)
                .at("/payload/challengeId").asText();
        VerifyApi.check(tenant, challengeId, codes.get(0), true).statusCode(200).body("status", equalTo("approved"))
                .body("enrollmentNudge", nullValue());
    }
}
