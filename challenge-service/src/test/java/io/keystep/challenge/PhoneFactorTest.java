package io.keystep.challenge;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

/** The enrolled phone is a factor like the others: listed (masked), made preferred, removed under step-up. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class PhoneFactorTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    @Test
    void thePhoneIsListedMaskedAndCanBePreferredOverAnAuthenticatorAndBack() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        String listing = Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .body("$", hasSize(1)).body("[0].type", equalTo("sms")).body("[0].status", equalTo("active"))
                .body("[0].preferred", equalTo(true))
                .body("[0].phoneNumber", equalTo("+1555****" + phone.substring(phone.length() - 3)))
                .extract().asString();
        assertThat(listing, not(containsString(phone)));
        String phoneId = Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().extract().path("[0].factorId");

        String[] totp = new String[2];
        FactorCalls.activeTotp(tenant, user, totp);
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"preferred\":true}")
                .patch("/v1/users/{u}/factors/{f}", user, totp[0]).then().statusCode(200)
                .body("preferred", equalTo(true));
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().body("$", hasSize(2))
                .body("find { it.type == 'sms' }.preferred", equalTo(false));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"preferred\":true}")
                .patch("/v1/users/{u}/factors/{f}", user, phoneId).then().statusCode(200)
                .body("type", equalTo("sms")).body("preferred", equalTo(true));
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then()
                .body("find { it.type == 'totp' }.preferred", equalTo(false));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"label\":\"Mine\"}")
                .patch("/v1/users/{u}/factors/{f}", user, phoneId).then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("errors[0].field", equalTo("label"));
        FactorCalls.changes(tenant, user, "PREFERRED", 2);
    }

    @Test
    void removingThePhoneNeedsAStepUpAndAnotherWayInAndTellsTheRemovedNumber() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        String phoneId = Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().extract().path("[0].factorId");
        Callers.gateway(tenant).delete("/v1/users/{u}/factors/{f}", user, phoneId).then().statusCode(403)
                .body("type", containsString("step-up-required"));
        // The phone is the only way in and no recovery code exists.
        Callers.gateway(tenant).header("Step-Up-Verification-Id", Authenticators.stepUp(tenant, user))
                .delete("/v1/users/{u}/factors/{f}", user, phoneId).then().statusCode(409)
                .body("type", containsString("last-factor"));

        String[] totp = new String[2];
        FactorCalls.activeTotp(tenant, user, totp);
        clock.advance(Duration.ofSeconds(1));
        Callers.gateway(tenant).header("Step-Up-Verification-Id", Authenticators.stepUp(tenant, user))
                .delete("/v1/users/{u}/factors/{f}", user, phoneId).then().statusCode(204);
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().body("$", hasSize(1))
                .body("[0].type", equalTo("totp"));
        ConsumerRecord<String, String> removed = EventLog.await(io.keystep.events.Topics.FACTOR_CHANGED, 1,
                r -> (tenant + ":" + user).equals(r.key()) && r.value().contains("\"REMOVED\"")
                        && r.value().contains("\"SMS\"")).get(0);
        assertThat(removed.value(), allOf(containsString(phoneId), not(containsString(phone))));
        assertThat(FactorCalls.noticeDestinations(mapper, tenant, removed), equalTo("SMS:" + phone));
        // Removed once: the phone's factor id is gone.
        Callers.gateway(tenant).header("Step-Up-Verification-Id", Authenticators.stepUp(tenant, user))
                .delete("/v1/users/{u}/factors/{f}", user, phoneId).then().statusCode(404);

        ManagementPort.given().get("/q/metrics").then().statusCode(200).body(allOf(
                containsString("keystep_factor_removals_total{kind=\"sms\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_factor_activations_total{kind=\"sms\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_factor_activations_total{kind=\"totp\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_factor_enrollments_total{kind=\"totp\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_factor_otp_verifications_total{kind=\"totp\",outcome=\"accepted\",tenant=\""
                        + tenant + "\"}"),
                containsString("keystep_factor_recovery_codes_regenerated_total{tenant=\"" + tenant + "\"}")));
    }
}
