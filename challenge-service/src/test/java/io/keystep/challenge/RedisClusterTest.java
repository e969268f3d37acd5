package io.keystep.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisClusterProfile;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The Verify API and the login challenge against a Redis Cluster of three primaries: every script a challenge
 * runs (create, resend, check with the user's lockout, cancel) keeps its keys in one slot, and different users'
 * challenge state lands on different primaries, so that a cluster spreads the checks rather than one tenant's slot
 * taking them all.
 */
@QuarkusTest
@TestProfile(RedisClusterTest.Cluster.class)
class RedisClusterTest {

    /** On the cluster, with challenge-service's PostgreSQL database. */
    public static class Cluster extends RedisClusterProfile {

        @Override
        protected List<TestResourceEntry> serviceResources() {
            return List.of(new TestResourceEntry(PostgresTestResource.class, Map.of("database", "challenge")));
        }
    }

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    private static String verification(String tenant, String user, String purpose, String ip) {
        return VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\",\"userId\":\""
                + user + "\",\"purpose\":\"" + purpose + "\"}", ip).statusCode(201).extract().path("id");
    }

    @Test
    void sendResendCheckAndCancelRunOnACluster() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String id = verification(tenant, user, "login", "198.51.100.10");
        String first = VerifyApi.code(mapper, tenant, id, 1);
        clock.advance(Duration.ofSeconds(31));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{}").post("/v1/verifications/{id}/resend", id)
                .then().statusCode(200).body("sendAttempts", equalTo(2));
        String second = VerifyApi.code(mapper, tenant, id, 2);
        VerifyApi.check(tenant, id, LoginThread.wrong(second), true).statusCode(200)
                .body("status", equalTo("pending"));
        if (!first.equals(second)) {
            VerifyApi.check(tenant, id, first, true).statusCode(200).body("status", equalTo("pending"));
        }
        VerifyApi.check(tenant, id, second, true).statusCode(200).body("status", equalTo("approved"));
        VerifyApi.check(tenant, id, second, true).statusCode(409);

        String other = verification(tenant, user, "signup", "198.51.100.11");
        Callers.gateway(tenant).post("/v1/verifications/{id}/cancel", other).then().statusCode(200)
                .body("status", equalTo("canceled"));
    }

    @Test
    void failedChecksLockTheUserAcrossVerificationsOnACluster() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] purposes = {"login", "signup"};
        for (int v = 0; v < 2; v++) {
            String id = verification(tenant, user, purposes[v], "198.51.100." + (20 + v));
            String code = VerifyApi.code(mapper, tenant, id, 1);
            for (int i = 0; i < 5; i++) {
                VerifyApi.check(tenant, id, LoginThread.wrong(code), true).statusCode(200);
            }
        }
        // Ten failures in the window lock the user: the next send is refused with the lockout's end.
        VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\",\"userId\":\"" + user
                + "\",\"purpose\":\"recovery\"}", "198.51.100.30").statusCode(429)
                .body("locked_until", notNullValue());
    }

    @Test
    void aChallengedLoginIsApprovedOnACluster() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));
        VerifyApi.check(issued.tenantId(), issued.challengeId(), issued.code(), true).statusCode(200)
                .body("status", equalTo("approved"));
    }

    @Test
    void differentUsersChallengesSpreadOverThePrimaries() {
        String tenant = LoginThread.unique("t");
        for (int i = 0; i < 30; i++) {
            verification(tenant, LoginThread.unique("u"), "login", "198.51.100." + (40 + i));
        }
        // This tenant's users only: the active index names tenant and user beside the user's tag.
        List<Integer> perPrimary = SharedServers.redisCluster().keysPerPrimary("ks:active:*}:" + tenant + ":*");
        assertThat(perPrimary.toString(), perPrimary, everyItem(greaterThan(0)));
    }
}
