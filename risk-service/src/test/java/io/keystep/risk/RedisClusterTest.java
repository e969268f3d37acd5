package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Outcome;
import io.keystep.testsupport.RedisClusterProfile;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static io.keystep.risk.RiskKafka.verification;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logins decided against a Redis Cluster of three primaries: a user's profile is read and written by scripts whose
 * keys share the user's hash tag, the IP's failures live in a slot of their own and are read apart, and different
 * users' profiles spread over the primaries.
 */
@QuarkusTest
@TestProfile(RedisClusterTest.Cluster.class)
class RedisClusterTest {

    /** On the cluster, with the test's GeoIP database and trusted-device key. */
    public static class Cluster extends RedisClusterProfile {

        @Override
        protected List<TestResourceEntry> serviceResources() {
            return List.of(new TestResourceEntry(GeoDatabaseTestResource.class),
                    new TestResourceEntry(TrustedDeviceKeyTestResource.class));
        }
    }

    private static final String IP = "192.0.2.77";

    @Inject
    RedisDataSource redis;

    @Test
    void aVerifiedDeviceIsKnownAtTheNextLoginOnACluster() {
        String tenant = unique("cl");
        String user = unique("ann");
        String first = login(tenant, user, true, "fp-cluster", IP);
        assertEquals("CHALLENGE", assessment(first).path("decision").asText());

        verification(tenant, user, first, Outcome.APPROVED, "fp-cluster");
        RiskProfiles.awaitDeviceKnown(redis, tenant, user, "fp-cluster");

        JsonNode second = assessment(login(tenant, user, true, "fp-cluster", IP));
        assertEquals("ALLOW", second.path("decision").asText(), () -> reasons(second).toString());
    }

    @Test
    void failedPasswordsStepUpTheUserOnACluster() {
        String tenant = unique("cl");
        String user = unique("bo");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-known");
        for (int i = 0; i < 4; i++) {
            assertEquals("DENY", assessment(login(tenant, user, false, "fp-known", IP)).path("decision").asText());
        }
        JsonNode stepped = assessment(login(tenant, user, true, "fp-known", IP));
        assertEquals("CHALLENGE", stepped.path("decision").asText());
        assertTrue(reasons(stepped).contains("TOO_MANY_FAILURES"), () -> reasons(stepped).toString());
    }

    @Test
    void tenantSettingsAreStoredOnACluster() {
        String tenant = unique("cl");
        Callers.admin(tenant).contentType("application/json").body("{\"newDevice\": 12}")
                .put("/v1/settings/risk").then().statusCode(200);
        Callers.admin(tenant).get("/v1/settings/risk").then().statusCode(200).body("newDevice", equalTo(12));
    }

    @Test
    void differentUsersProfilesSpreadOverThePrimaries() {
        String tenant = unique("cl");
        List<String> logins = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            logins.add(login(tenant, unique("u"), true, "fp-" + i, IP));
        }
        logins.forEach(RiskKafka::assessment);
        List<Integer> perPrimary = SharedServers.redisCluster().keysPerPrimary("risk:{" + tenant + ":*");
        assertThat(perPrimary.toString(), perPrimary, everyItem(greaterThan(0)));
    }
}
