package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
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

import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class FactorManagementTest {

    @Inject
    AdjustableClock clock;

    /** Enrolls and activates a TOTP factor; answers {factorId, recovery codes if any}. */
    private List<String> activeTotp(String tenant, String user, String[] factorId) throws Exception {
        ExtractableResponse<Response> enrolled = Authenticators.enroll(tenant, user, "totp", "{}");
        factorId[0] = enrolled.path("factorId");
        return Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + Authenticators.oathtoolTotp(enrolled.path("otpauthUri"), clock.instant()) + "\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, factorId[0])
                .then().statusCode(200).extract().path("recoveryCodes");
    }

    private static io.restassured.response.ValidatableResponse enrollTotp(String tenant, String user,
                                                                          String stepUp) {
        var spec = Callers.gateway(tenant).contentType(ContentType.JSON);
        return (stepUp == null ? spec : spec.header("Step-Up-Verification-Id", stepUp)).body("{}")
                .post("/v1/users/{u}/factors/totp", user).then();
    }

    @Test
    void addingAFactorNeedsAFactorChangeApprovedOnTheUsersOwnFactorWithinFiveMinutesAndSpendsIt() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        enrollTotp(tenant, user, null).statusCode(403)
                .contentType(containsString("application/problem+json")).body("type", containsString("step-up-required"));
        // A login verification is no step-up; nor is another user's factor_change.
        String login = VerifyApi.create(tenant, VerifyApi.sms(phone, user)).statusCode(201).extract().path("id");
        VerifyApi.check(tenant, login, VerifyApi.code(new com.fasterxml.jackson.databind.ObjectMapper(), tenant, login, 1), true)
                .body("status", equalTo("approved"));
        enrollTotp(tenant, user, login).statusCode(403).body("detail", containsString("not factor_change"));
        enrollTotp(tenant, user, FactorProofs.stepUpTo(tenant, "someone-else-" + user, phone)).statusCode(403);
        // Approved on a number the gateway chose but the user never enrolled: no proof of a factor the user had.
        enrollTotp(tenant, user, FactorProofs.stepUpTo(tenant, user, VerifyApi.phone())).statusCode(403)
                .body("detail", containsString("not the user's enrolled phone"));

        String stale = FactorProofs.stepUpTo(tenant, user, phone);
        clock.advance(Duration.ofMinutes(5).plusSeconds(2));
        enrollTotp(tenant, user, stale).statusCode(403).body("detail", containsString("more than 5 minutes"));
        String fresh = FactorProofs.stepUpTo(tenant, user, phone);
        enrollTotp(tenant, user, fresh).statusCode(201);
        // Spent by the change it authorised.
        enrollTotp(tenant, user, fresh).statusCode(403).body("detail", containsString("already authorised a change"));
    }

    @Test
    void aStepUpMayBeAnsweredWithTheAuthenticatorOrARecoveryCodeTheUserHas() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] factor = new String[1];
        List<String> codes = activeTotp(tenant, user, factor);
        enrollTotp(tenant, user, FactorProofs.stepUp(tenant, user)).statusCode(201);

        String byCode = FactorCalls.recoveryVerification(tenant, user, "factor_change").statusCode(201)
                .extract().path("id");
        FactorCalls.check(tenant, byCode, codes.get(0)).statusCode(200).body("status", equalTo("approved"));
        enrollTotp(tenant, user, byCode).statusCode(201);
        // Another user's authenticator answers nothing for this one.
        String other = LoginThread.unique("u");
        activeTotp(tenant, other, new String[1]);
        enrollTotp(tenant, user, FactorProofs.stepUp(tenant, other)).statusCode(403);
    }

    @Test
    void renamingAndPreferringAFactorAreListedAndPublished() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] first = new String[1];
        String[] second = new String[1];
        activeTotp(tenant, user, first);
        clock.advance(Duration.ofSeconds(31));
        activeTotp(tenant, user, second);
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"label\":\"Work phone\"}")
                .patch("/v1/users/{u}/factors/{f}", user, second[0]).then().statusCode(200)
                .body("label", equalTo("Work phone"));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"preferred\":true}")
                .patch("/v1/users/{u}/factors/{f}", user, second[0]).then().statusCode(200)
                .body("preferred", equalTo(true));
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .body("$", hasSize(2))
                .body("find { it.factorId == '" + first[0] + "' }.preferred", equalTo(false))
                .body("find { it.factorId == '" + second[0] + "' }.preferred", equalTo(true));
        EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(second[0]) && r.value().contains("\"RENAMED\"")
                && r.value().contains("Work phone"));
        EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(second[0]) && r.value().contains("\"PREFERRED\""));
        Callers.gateway("other-" + tenant).contentType(ContentType.JSON).body("{\"label\":\"x\"}")
                .patch("/v1/users/{u}/factors/{f}", user, second[0]).then().statusCode(404);
    }

    @Test
    void theLastFactorGoesOnlyWhileUnusedRecoveryCodesRemain() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] factor = new String[1];
        List<String> codes = activeTotp(tenant, user, factor);
        Callers.gateway(tenant).delete("/v1/users/{u}/factors/{f}", user, factor[0])
                .then().statusCode(403);
        for (String code : codes) {
            Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"code\":\"" + code + "\"}")
                    .post("/v1/users/{u}/recovery-codes/redeem", user).then().statusCode(200);
        }
        Callers.gateway(tenant).header("Step-Up-Verification-Id", Authenticators.stepUp(tenant, user))
                .delete("/v1/users/{u}/factors/{f}", user, factor[0])
                .then().statusCode(409).body("type", containsString("last-factor"));

        Callers.gateway(tenant).header("Step-Up-Verification-Id", Authenticators.stepUp(tenant, user))
                .post("/v1/users/{u}/recovery-codes", user).then().statusCode(201);
        clock.advance(Duration.ofSeconds(31));
        Callers.gateway(tenant).header("Step-Up-Verification-Id", Authenticators.stepUp(tenant, user))
                .delete("/v1/users/{u}/factors/{f}", user, factor[0]).then().statusCode(204);
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .body("$", hasSize(0));
        EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(factor[0]) && r.value().contains("\"REMOVED\""));
    }
}
