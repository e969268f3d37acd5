package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.MatcherAssert.assertThat;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class PhoneEnrollmentTest {

    @Inject
    ObjectMapper mapper;

    private static io.restassured.response.ValidatableResponse put(String tenant, String user, String phone,
                                                                   String header, String value) {
        var spec = Callers.gateway(tenant).contentType(ContentType.JSON);
        if (header != null) {
            spec = spec.header(header, value);
        }
        return spec.body("{\"phoneNumber\":\"" + phone + "\"}").put("/v1/users/{u}/phone", user).then();
    }

    @Test
    void aFirstPhoneIsPendingUntilTheCodeSentToItConfirmsIt() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("alice");
        String phone = VerifyApi.phone();
        String id = put(tenant, user, phone, "First-Factor-Authenticated-At", FactorProofs.firstFactorAt())
                .statusCode(202).body("userId", equalTo(user)).body("status", equalTo("pending"))
                .body("phoneNumber", equalTo("+1555****" + phone.substring(phone.length() - 3)))
                .extract().path("verificationId");
        // Not a factor yet: nothing is listed, and a wrong code confirms nothing.
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200).body("size()", equalTo(0));
        String code = VerifyApi.code(mapper, tenant, id, 1);
        FactorProofs.confirmPhone(tenant, user, LoginThread.wrong(code)).then().statusCode(422)
                .contentType(containsString("application/problem+json")).body("type", containsString("invalid-code"));
        FactorProofs.confirmPhone(tenant, user, code).then().statusCode(200).body("status", equalTo("active"));
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().body("[0].type", equalTo("sms"))
                .body("[0].status", equalTo("active"));
        // Confirmed once: the same code confirms nothing more.
        FactorProofs.confirmPhone(tenant, user, code).then().statusCode(404);
    }

    @Test
    void aUserWithoutFactorsNeedsTheGatewaysFreshWordThatTheFirstFactorPassed() {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        put(tenant, user, VerifyApi.phone(), null, null).statusCode(403)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("first-factor-required"));
        put(tenant, user, VerifyApi.phone(), "First-Factor-Authenticated-At",
                FactorProofs.clock().instant().minusSeconds(301).toString()).statusCode(403)
                .body("type", containsString("first-factor-required"));
        put(tenant, user, VerifyApi.phone(), "First-Factor-Authenticated-At", "yesterday").statusCode(400)
                .body("errors[0].field", equalTo("First-Factor-Authenticated-At"));
    }

    @Test
    void replacingThePhoneNeedsAStepUpOnTheEnrolledPhoneAndKeepsTheOldOneUntilTheNewOneConfirms() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("bob");
        String oldPhone = VerifyApi.phone();
        String newPhone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, oldPhone);
        // No step-up, the first-factor word, or a step-up approved on a number the user never enrolled: refused.
        put(tenant, user, newPhone, null, null).statusCode(403).body("type", containsString("step-up-required"));
        put(tenant, user, newPhone, "First-Factor-Authenticated-At", FactorProofs.firstFactorAt()).statusCode(403)
                .body("type", containsString("step-up-required"));
        String foreign = FactorProofs.stepUpTo(tenant, user, newPhone);
        put(tenant, user, newPhone, "Step-Up-Verification-Id", foreign).statusCode(403)
                .body("detail", containsString("not the user's enrolled phone"));

        String stepUp = FactorProofs.stepUpTo(tenant, user, oldPhone);
        String id = put(tenant, user, newPhone, "Step-Up-Verification-Id", stepUp).statusCode(202)
                .extract().path("verificationId");
        // The step-up was spent by that request.
        put(tenant, user, VerifyApi.phone(), "Step-Up-Verification-Id", stepUp).statusCode(403)
                .body("detail", containsString("already authorised a change"));
        // Until the new number confirms, login codes still go to the old one.
        FactorProofs.pastCooldown();
        LoginThread.Issued login = LoginThread.challengeOf(mapper, tenant, user);
        assertThat(login.job().at("/payload/destination").asText(), equalTo(oldPhone));

        FactorProofs.confirmPhone(tenant, user, VerifyApi.code(mapper, tenant, id, 1)).then().statusCode(200);
        // The confirmed number's cooldown is over: the login right after it gets its code.
        LoginThread.Issued after = LoginThread.challengeOf(mapper, tenant, user);
        assertThat(after.job().at("/payload/destination").asText(), equalTo(newPhone));
        // The old number is told; the events never carry either number.
        List<ConsumerRecord<String, String>> removed = FactorCalls.changes(tenant, user, "REMOVED", 1);
        assertThat(FactorCalls.noticeDestinations(mapper, tenant, removed.get(0)), equalTo("SMS:" + oldPhone));
        assertThat(removed.get(0).value(), not(containsString(oldPhone)));
        ConsumerRecord<String, String> activated = FactorCalls.changes(tenant, user, "ACTIVATED", 2).get(1);
        assertThat(FactorCalls.noticeDestinations(mapper, tenant, activated), equalTo("SMS:" + oldPhone));
    }

    @Test
    void replacingThePhoneRevokesEveryTrustedDevice() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        String login = VerifyApi.create(tenant, VerifyApi.sms(phone, user)).statusCode(201).extract().path("id");
        VerifyApi.check(tenant, login, VerifyApi.code(mapper, tenant, login, 1), true).statusCode(200);
        String deviceId = Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"deviceFingerprint\":\"fp-phone-change\"}")
                .post("/v1/verifications/{id}/trust-device", login).then().statusCode(201).extract().path("deviceId");

        FactorProofs.enrollPhone(tenant, user, VerifyApi.phone());
        Callers.gateway(tenant).get("/v1/users/{u}/trusted-devices", user).then().statusCode(200)
                .body("size()", equalTo(0));
        EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains(deviceId)
                && r.value().contains("\"DEVICE_REVOKED\""));
    }

    @Test
    void enrollingTheEnrolledNumberAgainChangesNothing() throws Exception {
        String tenant = LoginThread.unique("t");
        FactorProofs.enrollPhone(tenant, "carol", "+15555550123");
        put(tenant, "carol", "+1 555 555 0123", null, null).statusCode(200).body("status", equalTo("active"))
                .body("phoneNumber", equalTo("+1555****123"));
    }

    @Test
    void invalidNumberIsRejectedNamingPhoneNumber() {
        put("t-invalid", "carol", "12ab", null, null).statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("status", equalTo(400))
                .body("errors[0].field", equalTo("phoneNumber"));
    }

    @Test
    void missingNumberIsRejectedNamingPhoneNumber() {
        Callers.gateway("t-invalid").contentType(ContentType.JSON)
                .body("{}")
                .put("/v1/users/carol/phone")
                .then().statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("phoneNumber"));
    }

    @Test
    void theTenantComesFromTheTokenWithoutAnyHeader() {
        String tenant = LoginThread.unique("t");
        given().auth().oauth2(Tokens.gateway(tenant)).contentType(ContentType.JSON)
                .header("First-Factor-Authenticated-At", FactorProofs.firstFactorAt())
                .body("{\"phoneNumber\":\"+15555550123\"}")
                .put("/v1/users/dave/phone")
                .then().statusCode(202).body("userId", equalTo("dave"));
    }

    @Test
    void unreadableJsonIsAProblemNotACrash() {
        Callers.gateway("t-invalid").contentType(ContentType.JSON)
                .body("{\"phoneNumber\": ")
                .put("/v1/users/erin/phone")
                .then().statusCode(400)
                .contentType(containsString("application/problem+json"));
    }
}
