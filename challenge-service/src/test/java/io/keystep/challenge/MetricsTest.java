package io.keystep.challenge;

import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.auth.JwtTestResource;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class MetricsTest {

    @Inject
    ObjectMapper mapper;

    @Test
    void verificationsChecksApprovalsLockoutsAndLimitHitsAreCountedByTenantChannelAndOutcome() throws Exception {
        String tenant = LoginThread.unique("m");
        String phone = VerifyApi.phone();
        String id = VerifyApi.create(tenant, VerifyApi.sms(phone, "mia")).statusCode(201).extract().path("id");
        VerifyApi.create(tenant, VerifyApi.sms(phone, "mia-2")).statusCode(429);
        String code = VerifyApi.code(mapper, tenant, id, 1);
        VerifyApi.check(tenant, id, code, true).statusCode(200);
        for (String purpose : new String[]{"signup", "recovery"}) {
            String other = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\","
                    + "\"userId\":\"max\",\"purpose\":\"" + purpose + "\"}").statusCode(201).extract().path("id");
            String otherCode = VerifyApi.code(mapper, tenant, other, 1);
            for (int i = 0; i < 5; i++) {
                VerifyApi.check(tenant, other, LoginThread.wrong(otherCode), true).statusCode(200);
            }
        }

        ManagementPort.given().get("/q/metrics").then().statusCode(200).body(allOf(
                containsString("keystep_verifications_created_total{channel=\"sms\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_verification_checks_total{channel=\"sms\",outcome=\"approved\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_verification_checks_total{channel=\"sms\",outcome=\"pending\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_verification_approvals_total{channel=\"sms\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_verification_check_latency_seconds_count{channel=\"sms\",outcome=\"approved\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_verification_lockouts_total{channel=\"sms\",kind=\"locked\",tenant=\"" + tenant + "\"}"),
                containsString("keystep_verification_limit_hits_total{channel=\"sms\",limit=\"destination_cooldown\",tenant=\"" + tenant + "\"}")));
    }
}
