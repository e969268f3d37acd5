package io.keystep.challenge;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/**
 * Recovery codes as a verification channel ({@code channel: "recovery_code"}, like {@code totp}): nothing is sent,
 * the check takes a recovery code under the verification's attempt budget and the user's lockout, a code approves
 * once, and the answer says how many codes remain.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class RecoveryCodeVerificationTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    @Test
    void aLoginAnsweredWithARecoveryCodeIsApprovedOnceAndReportsTheCodesLeft() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = FactorCalls.generateRecoveryCodes(tenant, user);
        String id = FactorCalls.recoveryVerification(tenant, user, "login").statusCode(201)
                .body("channel", equalTo("recovery_code")).body("sendAttempts", equalTo(0))
                .body("remainingAttempts", equalTo(5)).extract().path("id");
        FactorCalls.check(tenant, id, "aaaa-bbbb-cccc").statusCode(200).body("status", equalTo("pending"))
                .body("remainingAttempts", equalTo(4)).body("recoveryCodesRemaining", equalTo(10));
        // Digits are no recovery code: refused naming the field, no attempt spent.
        FactorCalls.check(tenant, id, "123456").statusCode(400)
                .contentType(containsString("application/problem+json")).body("errors[0].field", equalTo("code"));
        FactorCalls.check(tenant, id, codes.get(2).toUpperCase()).statusCode(200).body("status", equalTo("approved"))
                .body("recoveryCodesRemaining", equalTo(9));
        Callers.gateway(tenant).get("/v1/verifications/{id}", id).then().statusCode(200)
                .body("channel", equalTo("recovery_code")).body("status", equalTo("approved"));
        String completed = EventLog.await(Topics.VERIFICATION_COMPLETED, 1, r -> r.value().contains(id)
                && r.value().contains("\"APPROVED\"")).get(0).value();
        assertThat(completed, containsString("\"RECOVERY_CODE\""));
        assertThat(completed, not(containsString(codes.get(2))));
        // A used code does not approve another verification.
        String again = FactorCalls.recoveryVerification(tenant, user, "signup").statusCode(201).extract().path("id");
        FactorCalls.check(tenant, again, codes.get(2)).statusCode(200).body("status", equalTo("pending"))
                .body("recoveryCodesRemaining", equalTo(9));
        FactorCalls.changes(tenant, user, "RECOVERY_CODE_USED", 1);
        Callers.gateway(tenant).get("/v1/users/{u}/recovery-codes", user).then().body("remaining", equalTo(9));
        ManagementPort.given().get("/q/metrics").then().statusCode(200).body(containsString(
                "keystep_factor_recovery_codes_used_total{tenant=\"" + tenant + "\",via=\"verification\"}"));
    }

    @Test
    void twoParallelChecksWithOneRecoveryCodeApproveExactlyOnce() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = FactorCalls.generateRecoveryCodes(tenant, user);
        String first = FactorCalls.recoveryVerification(tenant, user, "login").statusCode(201).extract().path("id");
        String second = FactorCalls.recoveryVerification(tenant, user, "signup").statusCode(201).extract().path("id");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<String> statuses = new ArrayList<>();
        try {
            // A check refused because the user's other check is under way (429) judged nothing.
            List<Callable<String>> uses = List.of(
                    () -> status(FactorCalls.check(tenant, first, codes.get(0)).extract()),
                    () -> status(FactorCalls.check(tenant, second, codes.get(0)).extract()));
            for (Future<String> f : pool.invokeAll(uses)) {
                statuses.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(statuses.stream().filter("approved"::equals).count(), equalTo(1L));
        assertThat(statuses.stream().filter(s -> "pending".equals(s) || "429".equals(s)).count(), equalTo(1L));
        Callers.gateway(tenant).get("/v1/users/{u}/recovery-codes", user).then().body("remaining", equalTo(9));
    }

    private static String status(io.restassured.response.ExtractableResponse<io.restassured.response.Response> r) {
        return r.statusCode() == 200 ? r.path("status") : Integer.toString(r.statusCode());
    }

    @Test
    void aRecoveryCodeVerificationNeedsAUserWithUnusedCodesAndNoDestination() {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        FactorCalls.recoveryVerification(tenant, user, "login").statusCode(422)
                .contentType(containsString("application/problem+json")).body("type", containsString("no-factor"));
        FactorCalls.createVerification(tenant, "{\"channel\":\"recovery_code\",\"purpose\":\"login\"}").statusCode(400)
                .body("errors[0].field", equalTo("userId"));
        FactorCalls.createVerification(tenant, "{\"channel\":\"recovery_code\",\"userId\":\"" + user
                + "\",\"to\":\"+15555550100\"}").statusCode(400).body("errors[0].field", equalTo("to"));
    }

    @Test
    void wrongRecoveryCodesSpendTheBudgetAndLockTheUserOutWithoutUsingUpTheRightCode() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = FactorCalls.generateRecoveryCodes(tenant, user);
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"failuresToLock\":6}")
                .put("/v1/settings/verify").then().statusCode(200);
        String id = FactorCalls.recoveryVerification(tenant, user, "login").statusCode(201).extract().path("id");
        for (int i = 0; i < 4; i++) {
            FactorCalls.check(tenant, id, "wxyz-wxyz-wxy" + (char) ('a' + i)).statusCode(200)
                    .body("status", equalTo("pending"));
        }
        FactorCalls.check(tenant, id, "wxyz-wxyz-wxyz").statusCode(200).body("status", equalTo("max_attempts_reached"))
                .body("remainingAttempts", equalTo(0));
        // The budget is spent: even the right code no longer approves this verification, and is not used up.
        FactorCalls.check(tenant, id, codes.get(0)).statusCode(200).body("status", equalTo("max_attempts_reached"));
        String next = FactorCalls.recoveryVerification(tenant, user, "signup").statusCode(201).extract().path("id");
        String lockedUntil = FactorCalls.check(tenant, next, "wxyz-wxyz-wxyq").statusCode(200)
                .extract().path("locked_until");
        assertThat(lockedUntil, notNullValue());
        FactorCalls.check(tenant, next, codes.get(0)).statusCode(429)
                .contentType(containsString("application/problem+json")).body("type", containsString("locked-out"));
        Callers.gateway(tenant).get("/v1/users/{u}/recovery-codes", user).then().body("remaining", equalTo(10));
        clock.advance(Duration.ofSeconds(31));
        FactorCalls.check(tenant, next, codes.get(0)).statusCode(200).body(allOf(
                containsString("\"status\":\"approved\""), containsString("\"recoveryCodesRemaining\":9")));
    }
}
