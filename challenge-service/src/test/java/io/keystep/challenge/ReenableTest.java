package io.keystep.challenge;

import io.keystep.testsupport.ManagementPort;
import io.keystep.kit.formats.NoticeHeaders;
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
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The ways back from a suspension (too many consecutive failed checks): the user's own recovery code in a
 * verification for purpose recovery, or support after the runbook's identity check. Each is audited as
 * {@code factor.changed.v1} REENABLED with a notice to the user's phone.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class ReenableTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    @Inject
    io.quarkus.redis.datasource.RedisDataSource redis;

    /** Ten consecutive failures suspend this tenant's users (the lowest threshold a tenant may set). */
    private void suspend(String tenant, String user, String phone) throws Exception {
        Callers.admin(tenant).contentType(ContentType.JSON)
                .body("{\"maxAttempts\":10,\"failuresToLock\":10,\"failuresToSuspend\":10}")
                .put("/v1/settings/verify").then().statusCode(200);
        FactorProofs.pastCooldown();
        String id = FactorCalls.createVerification(tenant, VerifyApi.sms(phone, user)).statusCode(201)
                .extract().path("id");
        String code = VerifyApi.code(mapper, tenant, id, 1);
        for (int i = 0; i < 9; i++) {
            FactorCalls.check(tenant, id, LoginThread.wrong(code)).statusCode(200);
        }
        FactorCalls.check(tenant, id, LoginThread.wrong(code)).statusCode(200);
        FactorCalls.changes(tenant, user, "SUSPENDED", 1);
        clock.advance(Duration.ofSeconds(31));
        FactorCalls.createVerification(tenant, VerifyApi.sms(phone, user)).statusCode(403)
                .body("type", containsString("factor-suspended"));
    }

    @Test
    void aRecoveryCodeVerificationForRecoveryLiftsTheSuspension() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        List<String> codes = FactorCalls.generateRecoveryCodes(tenant, user);
        suspend(tenant, user, phone);

        // Only for purpose recovery does a suspended user get a recovery-code verification.
        FactorCalls.recoveryVerification(tenant, user, "login").statusCode(403)
                .body("type", containsString("factor-suspended"));
        String id = FactorCalls.recoveryVerification(tenant, user, "recovery").statusCode(201).extract().path("id");
        FactorCalls.check(tenant, id, "abcd-abcd-abcd").statusCode(200).body("status", equalTo("pending"));
        FactorCalls.check(tenant, id, codes.get(5)).statusCode(200).body("status", equalTo("approved"))
                .body("recoveryCodesRemaining", equalTo(9));

        ConsumerRecord<String, String> reenabled = FactorCalls.changes(tenant, user, "REENABLED", 1).get(0);
        assertThat(reenabled.value(), containsString("recovery code"));
        assertThat(FactorCalls.noticeDestinations(mapper, tenant, reenabled), equalTo("SMS:" + phone));
        assertThat(FactorCalls.header(reenabled, NoticeHeaders.SUMMARY), containsString("re-enabled"));
        FactorCalls.createVerification(tenant, VerifyApi.sms(phone, user)).statusCode(201);
        ManagementPort.given().get("/q/metrics").then().statusCode(200).body(containsString(
                "keystep_factor_reenabled_total{tenant=\"" + tenant + "\",via=\"recovery_code\"}"));
    }

    @Test
    void supportReenablesASuspendedUserWithAReasonAndTheIdentityCheckInTheTrail() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        String url = "/v1/users/{u}/reenable";
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"reason\":\"x\"}").post(url, user).then()
                .statusCode(400).body("errors.field", org.hamcrest.Matchers.contains("reason", "identityVerifiedBy"));
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"identityVerifiedBy\":\"video call\"}")
                .post(url, user).then().statusCode(400).contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("reason"));
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"reason\":\"lost phone, ticket 4711\"}")
                .post(url, user).then().statusCode(400).body("errors[0].field", equalTo("identityVerifiedBy"));
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"reason\":\"" + "x".repeat(501)
                        + "\",\"identityVerifiedBy\":\"video call\"}")
                .post(url, user).then().statusCode(400).body("errors[0].field", equalTo("reason"));
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"reason\":\"ticket 4711\","
                        + "\"identityVerifiedBy\":\"video\\u0007call\"}")
                .post(url, user).then().statusCode(400).body("errors[0].field", equalTo("identityVerifiedBy"));
        String body = "{\"reason\":\"lost phone, ticket 4711\",\"identityVerifiedBy\":\"video call with ID card\"}";
        // Nothing to lift: 409, and nothing published.
        Callers.admin(tenant).contentType(ContentType.JSON).body(body).post(url, user).then().statusCode(409)
                .body("type", containsString("not-suspended"));

        suspend(tenant, user, phone);
        Callers.admin(tenant).contentType(ContentType.JSON).body(body).post(url, user).then().statusCode(200)
                .body("userId", equalTo(user)).body("wasSuspended", equalTo(true));
        ConsumerRecord<String, String> reenabled = FactorCalls.changes(tenant, user, "REENABLED", 1).get(0);
        assertThat(reenabled.value(), allOf(containsString("lost phone, ticket 4711"),
                containsString("video call with ID card")));
        assertThat(FactorCalls.noticeDestinations(mapper, tenant, reenabled), equalTo("SMS:" + phone));
        // (Another purpose: a new login challenge would inherit the attempts the suspended one spent.)
        String id = FactorCalls.createVerification(tenant, "{\"to\":\"" + phone + "\",\"channel\":\"sms\","
                + "\"userId\":\"" + user + "\",\"purpose\":\"signup\"}").statusCode(201).extract().path("id");
        FactorCalls.check(tenant, id, VerifyApi.code(mapper, tenant, id, 1)).statusCode(200)
                .body("status", equalTo("approved"));
        Callers.admin(tenant).contentType(ContentType.JSON).body(body).post(url, user).then().statusCode(409);
        assertThat(EventLog.records(io.keystep.events.Topics.FACTOR_CHANGED, r -> (tenant + ":" + user).equals(r.key())
                && r.value().contains("\"REENABLED\"")).size(), equalTo(1));
    }

    @Test
    void aSuspensionLastsUntilItIsLiftedAndNeverExpiresOnItsOwn() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        FactorCalls.generateRecoveryCodes(tenant, user);
        suspend(tenant, user, phone);
        String lockout = "ks:lockout:{" + io.keystep.challenge.store.UserTags.of(tenant, user) + "}:" + tenant + ":"
                + user;
        // No expiry at all (-1): not the 30 days a lockout's counters are kept, which would lift it silently.
        assertThat(redis.key().pttl(lockout), equalTo(-1L));
        // A wrong recovery code, the one kind of check a suspended user may still make, does not set one either.
        String id = FactorCalls.recoveryVerification(tenant, user, "recovery").statusCode(201).extract().path("id");
        FactorCalls.check(tenant, id, "abcd-abcd-abcd").statusCode(200).body("status", equalTo("pending"));
        assertThat(redis.key().pttl(lockout), equalTo(-1L));
        // Past the 30 days after which a lockout's counters are forgotten, it still holds.
        clock.advance(Duration.ofDays(31));
        FactorCalls.createVerification(tenant, VerifyApi.sms(phone, user)).statusCode(403)
                .body("type", containsString("factor-suspended"));
        // Lifted by support, the documented way, the key is gone.
        Callers.admin(tenant).contentType(ContentType.JSON)
                .body("{\"reason\":\"ticket 4712\",\"identityVerifiedBy\":\"video call with ID card\"}")
                .post("/v1/users/{u}/reenable", user).then().statusCode(200).body("wasSuspended", equalTo(true));
        assertThat(redis.key().exists(lockout), equalTo(false));
    }
}
