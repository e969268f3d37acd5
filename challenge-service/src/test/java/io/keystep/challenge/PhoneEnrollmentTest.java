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
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class PhoneEnrollmentTest {

    @Test
    void enrollingAPhoneAnswersTheNumberMasked() {
        String tenant = LoginThread.unique("t");
        Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"phoneNumber\":\"+15555550123\"}")
                .put("/v1/users/alice/phone")
                .then().statusCode(200)
                .body("userId", equalTo("alice"))
                .body("phoneNumber", equalTo("+1555****123"));
    }

    @Test
    void enrollingAgainReplacesTheNumber() {
        String tenant = LoginThread.unique("t");
        LoginThread.enrollPhone(tenant, "bob", "+15555550123");
        Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"phoneNumber\":\"+4915112345678\"}")
                .put("/v1/users/bob/phone")
                .then().statusCode(200)
                .body("phoneNumber", equalTo("+4915******678"));
    }

    @Test
    void invalidNumberIsRejectedNamingPhoneNumber() {
        Callers.gateway("t-invalid").contentType(ContentType.JSON)
                .body("{\"phoneNumber\":\"12ab\"}")
                .put("/v1/users/carol/phone")
                .then().statusCode(400)
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
                .body("{\"phoneNumber\":\"+15555550123\"}")
                .put("/v1/users/dave/phone")
                .then().statusCode(200).body("userId", equalTo("dave"));
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
