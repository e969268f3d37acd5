package io.keystep.risk;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Purpose;
import io.keystep.risk.store.RiskProfileStore;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-tenant configuration: network lists, always-challenge, purposes, shadow policies, metrics, windows. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class TenantPolicyTest {

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry registry;

    @Inject
    AdjustableClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void corporateRangeLowersANewDevicesScoreBelowTheChallengeThreshold() {
        JsonNode payload = assessment(login("corp", unique("dora"), true, "fp-new", "10.20.5.5"));
        assertEquals("ALLOW", payload.path("decision").asText());
        // a brand-new user: new device 50 + unused hour 15 - corporate range 30 = 35, under 40
        assertEquals(List.of("NEW_DEVICE", "UNUSUAL_HOUR", "ALLOWED_NETWORK"), reasons(payload));
        assertEquals(35, payload.path("score").asInt());
    }

    @Test
    void deniedRangeDeniesEvenAKnownDevice() {
        String user = unique("eve");
        RiskProfiles.approveDevice(redis, "corp", user, "fp-eve");
        JsonNode v4 = assessment(login("corp", user, true, "fp-eve", "10.99.1.1"));
        assertEquals("DENY", v4.path("decision").asText());
        assertEquals(List.of("DENIED_NETWORK"), reasons(v4));
        assertEquals("DENY", assessment(login("corp", user, true, "fp-eve", "2001:db8:dead::1"))
                .path("decision").asText());
        // The lists are the tenant's own: another tenant's login from that range is scored as usual.
        String other = unique("frank");
        RiskProfiles.approveDevice(redis, "elsewhere", other, "fp-frank");
        assertEquals("ALLOW", assessment(login("elsewhere", other, true, "fp-frank", "10.99.1.1"))
                .path("decision").asText());
    }

    @Test
    void alwaysChallengeTenantChallengesAKnownDevice() {
        String user = unique("gus");
        RiskProfiles.approveDevice(redis, "always", user, "fp-gus");
        JsonNode payload = assessment(login("always", user, true, "fp-gus", "192.0.2.60"));
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertEquals(List.of("ALWAYS_CHALLENGE"), reasons(payload));
    }

    @Test
    void transactionsAndFactorChangesAreAlwaysChallenged() {
        String tenant = unique("pay");
        String user = unique("hal");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-hal");
        JsonNode transaction = assessment(login(tenant, user, true, "fp-hal", "192.0.2.61", Purpose.TRANSACTION));
        assertEquals("CHALLENGE", transaction.path("decision").asText());
        assertEquals(List.of("PURPOSE_TRANSACTION"), reasons(transaction));
        assertEquals("TRANSACTION", transaction.path("purpose").asText());
        JsonNode change = assessment(login(tenant, user, true, "fp-hal", "192.0.2.61", Purpose.FACTOR_CHANGE));
        assertEquals("CHALLENGE", change.path("decision").asText());
        assertEquals(List.of("PURPOSE_FACTOR_CHANGE"), reasons(change));
        assertEquals("ALLOW", assessment(login(tenant, user, true, "fp-hal", "192.0.2.61")).path("decision").asText());
    }

    @Test
    void shadowPolicyThatWouldDenyIsPublishedBesideTheLiveChallengeWithoutActing() {
        double before = shadowCount("DENY", "CHALLENGE", "false");
        String user = unique("ivy");
        JsonNode payload = assessment(login("shadowed", user, true, "fp-new", "192.0.2.62"));
        // challenge-service's contract: the live (default) policy decides and explains; the shadow never leaks in
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertEquals(65, payload.path("score").asInt());
        assertEquals(List.of("NEW_DEVICE", "UNUSUAL_HOUR"), reasons(payload));
        assertEquals(user, payload.path("userId").asText());
        assertEquals("fp-new", payload.path("deviceFingerprint").asText());
        // the strict shadow (deny at 50) would deny the same login, and says so beside the live decision
        JsonNode shadows = payload.path("shadowDecisions");
        assertEquals(1, shadows.size(), () -> "shadow decisions " + shadows);
        assertEquals("strict", shadows.get(0).path("policy").asText());
        assertEquals("DENY", shadows.get(0).path("decision").asText());
        assertEquals(65, shadows.get(0).path("score").asInt());
        assertEquals(List.of("NEW_DEVICE", "UNUSUAL_HOUR"), reasons(shadows.get(0)));
        // it is still the live decision that acts: the login is pending a challenge, not treated as denied
        assertTrue(redis.key().exists(RiskProfileStore.userPrefix("shadowed", user) + "pending:"
                + payload.path("loginId").asText()));
        await().atMost(Duration.ofSeconds(10)).until(() -> shadowCount("DENY", "CHALLENGE", "false") == before + 1);

        String known = unique("jo");
        RiskProfiles.approveDevice(redis, "shadowed", known, "fp-jo");
        double agreeing = shadowCount("ALLOW", "ALLOW", "true");
        JsonNode allowed = assessment(login("shadowed", known, true, "fp-jo", "192.0.2.62"));
        assertEquals("ALLOW", allowed.path("decision").asText());
        assertEquals("ALLOW", allowed.path("shadowDecisions").get(0).path("decision").asText());
        await().atMost(Duration.ofSeconds(10)).until(() -> shadowCount("ALLOW", "ALLOW", "true") == agreeing + 1);
    }

    @Test
    void aTenantWithoutShadowPolicyPublishesAnEmptyShadowList() {
        JsonNode payload = assessment(login(unique("plain"), unique("pat"), true, "fp-new", "192.0.2.62"));
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertTrue(payload.path("shadowDecisions").isArray());
        assertEquals(0, payload.path("shadowDecisions").size());
    }

    @Test
    void decisionsAreCountedByOutcomeAndReasonWithAChallengeRate() {
        String tenant = unique("metrics");
        assessment(login(tenant, unique("kim"), true, "fp-kim", "192.0.2.63"));
        assessment(login(tenant, unique("lee"), false, "fp-lee", "192.0.2.63"));

        assertEquals(1.0, registry.get("keystep.risk.decisions").tags("tenant", tenant, "decision", "CHALLENGE")
                .counter().count());
        assertEquals(1.0, registry.get("keystep.risk.decisions").tags("tenant", tenant, "decision", "DENY")
                .counter().count());
        assertEquals(1.0, registry.get("keystep.risk.reasons")
                .tags("tenant", tenant, "reason", "NEW_DEVICE", "decision", "CHALLENGE").counter().count());
        assertEquals(1.0, registry.get("keystep.risk.reasons")
                .tags("tenant", tenant, "reason", "PASSWORD_NOT_VERIFIED", "decision", "DENY").counter().count());
        assertEquals(0.5, registry.get("keystep.risk.challenge.rate").tags("tenant", tenant).gauge().value());

        ManagementPort.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("keystep_risk_challenge_rate{tenant=\"" + tenant + "\"} 0.5"))
                .body(containsString("keystep_risk_decisions_total{decision=\"DENY\",tenant=\"" + tenant + "\"} 1.0"));
    }

    @Test
    void aDeviceUnusedForThirtyDaysIsNewAgain() {
        String tenant = unique("window");
        String user = unique("max");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-max");
        assertEquals("ALLOW", assessment(login(tenant, user, true, "fp-max", "192.0.2.64")).path("decision").asText());

        clock.advance(Duration.ofDays(29));   // each allowed login refreshes the device's last use
        assertEquals("ALLOW", assessment(login(tenant, user, true, "fp-max", "192.0.2.64")).path("decision").asText());

        clock.advance(Duration.ofDays(31));
        JsonNode payload = assessment(login(tenant, user, true, "fp-max", "192.0.2.64"));
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertEquals("NEW_DEVICE", reasons(payload).get(0));
    }

    @Test
    void approvingADeviceDropsTheUsersDevicesUnusedForThirtyDays() {
        String tenant = unique("prune");
        String user = unique("ned");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-old");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-kept");
        clock.advance(Duration.ofDays(20));
        assertEquals("ALLOW", assessment(login(tenant, user, true, "fp-kept", "192.0.2.65")).path("decision").asText());

        clock.advance(Duration.ofDays(11));   // fp-old unused for 31 days, fp-kept for 11
        RiskProfiles.approveDevice(redis, tenant, user, "fp-new");
        await().atMost(Duration.ofSeconds(10)).until(() -> !RiskProfiles.deviceKnown(redis, tenant, user, "fp-old"));
        assertTrue(RiskProfiles.deviceKnown(redis, tenant, user, "fp-kept"));
        assertTrue(RiskProfiles.deviceKnown(redis, tenant, user, "fp-new"));
    }

    private double shadowCount(String decision, String live, String agrees) {
        Counter counter = Search.in(registry).name("keystep.risk.shadow.decisions")
                .tags("tenant", "shadowed", "policy", "strict", "decision", decision, "live_decision", live,
                        "agrees", agrees)
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
