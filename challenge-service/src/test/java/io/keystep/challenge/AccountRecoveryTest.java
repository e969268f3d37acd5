package io.keystep.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/** A safe way back when every factor is lost: two people, a waiting period the user hears of, one enrollment. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class AccountRecoveryTest {

    @Inject
    AdjustableClock clock;

    @Inject
    ObjectMapper mapper;

    private static ValidatableResponse open(String tenant, String user) {
        return Callers.admin(tenant).contentType(ContentType.JSON).body("{\"ticket\":\"CASE-1042\"}")
                .post("/v1/users/{u}/account-recoveries", user).then();
    }

    private static ValidatableResponse approve(String tenant, String user, String id) {
        return Callers.compliance(tenant).post("/v1/users/{u}/account-recoveries/{id}/approve", user, id).then();
    }

    private static ValidatableResponse enrollTotpWithoutStepUp(String tenant, String user) {
        return Callers.gateway(tenant).contentType(ContentType.JSON).body("{}")
                .post("/v1/users/{u}/factors/totp", user).then();
    }

    @Test
    void supportOpensASecondPersonApprovesAndAfterTheDelayOneFactorIsEnrolledWithoutStepUp() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);

        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"ticket\":\"CASE-1\"}")
                .post("/v1/users/{u}/account-recoveries", user).then().statusCode(403);
        Callers.compliance(tenant).contentType(ContentType.JSON).body("{\"ticket\":\"CASE-1\"}")
                .post("/v1/users/{u}/account-recoveries", user).then().statusCode(403);
        Callers.admin(tenant).contentType(ContentType.JSON).body("{}")
                .post("/v1/users/{u}/account-recoveries", user).then().statusCode(400)
                .body("errors[0].field", equalTo("ticket"));
        String openedBy = tenant + "-admin-client";
        String id = open(tenant, user).statusCode(201).body("status", equalTo("awaiting_approval"))
                .body("openedBy", equalTo(openedBy)).extract().path("recoveryId");
        open(tenant, user).statusCode(409).body("type", containsString("recovery-open"));
        enrollTotpWithoutStepUp(tenant, user).statusCode(403);

        // The one who opened it cannot approve it, nor can support.
        given().auth().oauth2(Tokens.sign(Tokens.builder(tenant, Tokens.COMPLIANCE).subject(openedBy)))
                .post("/v1/users/{u}/account-recoveries/{id}/approve", user, id).then().statusCode(403)
                .body("type", containsString("second-approver-required"));
        Callers.admin(tenant).post("/v1/users/{u}/account-recoveries/{id}/approve", user, id).then().statusCode(403);
        Instant approvedAt = clock.instant();
        String maturesAt = approve(tenant, user, id).statusCode(200).body("status", equalTo("waiting"))
                .extract().path("maturesAt");
        assertThat(Duration.between(approvedAt, Instant.parse(maturesAt)).minus(Duration.ofHours(24)).abs()
                .getSeconds(), lessThanOrEqualTo(60L));
        approve(tenant, user, id).statusCode(409).body("type", containsString("not-awaiting-approval"));
        enrollTotpWithoutStepUp(tenant, user).statusCode(403);

        clock.advance(Duration.ofHours(24).plusMinutes(2));
        Callers.gateway(tenant).get("/v1/users/{u}/account-recoveries/{id}", user, id).then().statusCode(200)
                .body("status", equalTo("ready"));
        enrollTotpWithoutStepUp(tenant, user).statusCode(201);
        // One enrollment only.
        enrollTotpWithoutStepUp(tenant, user).statusCode(403).body("type", containsString("step-up-required"));
        Callers.admin(tenant).get("/v1/users/{u}/account-recoveries/{id}", user, id).then()
                .body("status", equalTo("used")).body("closedBy", equalTo("totp"));

        // Every step is in the trail, and the user's phone heard of each.
        for (String change : new String[]{"ACCOUNT_RECOVERY_OPENED", "ACCOUNT_RECOVERY_APPROVED",
                "ACCOUNT_RECOVERY_USED"}) {
            var record = FactorCalls.changes(tenant, user, change, 1).get(0);
            assertThat(record.value(), containsString(id));
            assertThat(FactorCalls.noticeDestinations(mapper, tenant, record), equalTo("SMS:" + phone));
        }
    }

    @Test
    void theUserCancelsARecoveryWithAFactorLeftAndItAllowsNothing() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        FactorProofs.enrollPhone(tenant, user, VerifyApi.phone());
        String id = open(tenant, user).statusCode(201).extract().path("recoveryId");
        approve(tenant, user, id).statusCode(200);

        Callers.gateway(tenant).delete("/v1/users/{u}/account-recoveries/{id}", user, id).then().statusCode(403)
                .body("type", containsString("step-up-required"));
        Callers.gateway(tenant).header("Step-Up-Verification-Id", FactorProofs.stepUp(tenant, user))
                .delete("/v1/users/{u}/account-recoveries/{id}", user, id).then().statusCode(200)
                .body("status", equalTo("canceled")).body("closedBy", containsString("user"));
        clock.advance(Duration.ofHours(25));
        enrollTotpWithoutStepUp(tenant, user).statusCode(403);
        Callers.admin(tenant).delete("/v1/users/{u}/account-recoveries/{id}", user, id).then().statusCode(409)
                .body("type", containsString("not-open"));
        FactorCalls.changes(tenant, user, "ACCOUNT_RECOVERY_CANCELED", 1);
        // Support may withdraw one it opened, without the user's factor.
        String second = open(tenant, user).statusCode(201).extract().path("recoveryId");
        Callers.admin(tenant).delete("/v1/users/{u}/account-recoveries/{id}", user, second).then().statusCode(200)
                .body("status", equalTo("canceled"));
    }

    @Test
    void theTenantSetsTheDelayWithinBoundsAndTheChangeIsInTheTrail() {
        String tenant = LoginThread.unique("t");
        for (String bad : new String[]{"PT30M", "P31D", "soon", null}) {
            Callers.admin(tenant).contentType(ContentType.JSON)
                    .body(bad == null ? "{}" : "{\"delay\":\"" + bad + "\"}")
                    .put("/v1/settings/account-recovery").then().statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors[0].field", equalTo("delay"));
        }
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"delay\":\"PT2H\"}")
                .put("/v1/settings/account-recovery").then().statusCode(403);
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"delay\":\"PT2H\"}")
                .put("/v1/settings/account-recovery").then().statusCode(200).body("delay", equalTo("PT2H"));
        Callers.admin(tenant).get("/v1/settings/account-recovery").then().body("delay", equalTo("PT2H"));
        EventLog.await(Topics.TENANT_SETTINGS_CHANGED, 1, r -> r.key().startsWith(tenant)
                && r.value().contains("account-recovery") && r.value().contains("PT2H"));

        String user = LoginThread.unique("u");
        String id = open(tenant, user).statusCode(201).extract().path("recoveryId");
        Instant approvedAt = clock.instant();
        String maturesAt = approve(tenant, user, id).statusCode(200).extract().path("maturesAt");
        assertThat(Duration.between(approvedAt, Instant.parse(maturesAt)).minus(Duration.ofHours(2)).abs()
                .getSeconds(), lessThanOrEqualTo(60L));
    }

    @Test
    void anotherTenantNeitherSeesNorApprovesNorCancelsTheRecovery() {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String id = open(tenant, user).statusCode(201).extract().path("recoveryId");
        String other = "other-" + tenant;
        approve(other, user, id).statusCode(404);
        Callers.admin(other).get("/v1/users/{u}/account-recoveries/{id}", user, id).then().statusCode(404);
        Callers.admin(other).delete("/v1/users/{u}/account-recoveries/{id}", user, id).then().statusCode(404);
        Callers.admin(tenant).get("/v1/users/{u}/account-recoveries/{id}", user, id).then()
                .body("status", equalTo("awaiting_approval"));
    }
}
