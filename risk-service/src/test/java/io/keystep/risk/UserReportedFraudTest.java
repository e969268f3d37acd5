package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Outcome;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.pushDenied;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A push the user denied as not theirs ("this wasn't me") raises their logins' scores for the tenant's window. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class UserReportedFraudTest {

    private static final String IP = "192.0.2.60";
    private static final String REPORTED = "USER_REPORTED_FRAUD";

    @Inject
    RedisDataSource redis;

    @Inject
    AdjustableClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    /**
     * Someone with the user's password logs in from their own device; the user denies the push. Answers the denial's
     * record, to deliver again.
     */
    private String deniedByTheUser(String tenant, String user) {
        String attempt = login(tenant, user, true, "fp-intruder", IP);
        assertEquals("CHALLENGE", assessment(attempt).path("decision").asText());
        String denial = pushDenied(tenant, user, attempt, unique("challenge"));
        RiskProfiles.awaitFraudReports(redis, tenant, user, 1);
        return denial;
    }

    @Test
    void aLoginAfterTheUserDeniedAPushScoresHigherUntilTheWindowPasses() {
        String tenant = unique("reported");
        String user = unique("rita");
        String other = unique("otto");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-rita");
        RiskProfiles.approveDevice(redis, tenant, other, "fp-otto");
        JsonNode before = assessment(login(tenant, user, true, "fp-rita", IP));
        assertEquals("ALLOW", before.path("decision").asText());
        assertEquals(List.of(), reasons(before));

        deniedByTheUser(tenant, user);

        JsonNode after = assessment(login(tenant, user, true, "fp-rita", IP));
        assertTrue(after.path("score").asInt() > before.path("score").asInt(), after::toString);
        assertTrue(reasons(after).contains(REPORTED), () -> reasons(after).toString());
        assertEquals("CHALLENGE", after.path("decision").asText(), "the default weight challenges on its own");
        JsonNode otherUser = assessment(login(tenant, other, true, "fp-otto", IP));
        assertEquals("ALLOW", otherUser.path("decision").asText());
        assertFalse(reasons(otherUser).contains(REPORTED));

        clock.advance(Duration.ofDays(29));
        assertTrue(reasons(assessment(login(tenant, user, true, "fp-rita", IP))).contains(REPORTED),
                "within the default 30 days");
        clock.advance(Duration.ofDays(2));
        JsonNode later = assessment(login(tenant, user, true, "fp-rita", IP));
        assertFalse(reasons(later).contains(REPORTED), () -> reasons(later).toString());
    }

    @Test
    void aRedeliveredDenialCountsOnceAndWeighsOnce() {
        String tenant = unique("reported");
        String user = unique("rudi");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-rudi");
        RiskKafka.send(Topics.VERIFICATION_COMPLETED, tenant, user, deniedByTheUser(tenant, user));
        // One user's records are consumed in order: once this later approval is learnt, both copies were read.
        RiskKafka.verification(tenant, user, null, Outcome.APPROVED, "fp-marker");
        RiskProfiles.awaitDeviceKnown(redis, tenant, user, "fp-marker");
        assertEquals(1, RiskProfiles.fraudReports(redis, tenant, user));

        // Known device, an hour the user never logged in at: the report's 40 and the hour's 15, once each.
        JsonNode after = assessment(login(tenant, user, true, "fp-rudi", IP));
        assertEquals(List.of(REPORTED, "UNUSUAL_HOUR"), reasons(after));
        assertEquals(55, after.path("score").asInt());

        // Another push denied is another report.
        pushDenied(tenant, user, unique("login"), unique("challenge"));
        RiskProfiles.awaitFraudReports(redis, tenant, user, 2);
    }

    @Test
    void theTenantsWeightAndWindowDecide() {
        String tenant = unique("reported");
        String user = unique("rosa");
        Callers.admin(tenant).contentType("application/json")
                .body("{\"userReportedFraud\": 60, \"userReportedFraudWindowDays\": 3}")
                .put("/v1/settings/risk").then().statusCode(200);
        RiskProfiles.approveDevice(redis, tenant, user, "fp-rosa");
        deniedByTheUser(tenant, user);

        JsonNode within = assessment(login(tenant, user, true, "fp-rosa", IP));
        assertEquals(List.of(REPORTED, "UNUSUAL_HOUR"), reasons(within));
        assertEquals(75, within.path("score").asInt());

        clock.advance(Duration.ofDays(4));
        JsonNode after = assessment(login(tenant, user, true, "fp-rosa", IP));
        assertEquals("ALLOW", after.path("decision").asText());
        assertEquals(List.of(), reasons(after));
        assertEquals(0, after.path("score").asInt());
    }
}
