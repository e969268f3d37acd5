package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Outcome;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.keystep.risk.GeoTestDatabase.BERLIN_IP;
import static io.keystep.risk.GeoTestDatabase.MUNICH_IP;
import static io.keystep.risk.GeoTestDatabase.PARIS_IPV6;
import static io.keystep.risk.GeoTestDatabase.SYDNEY_IP;
import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Location signals through the service, over the tests' own MaxMind-format database. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class LocationSignalsTest {

    @Inject
    RedisDataSource redis;

    @Inject
    AdjustableClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    /** A user whose first login, from Berlin on a new device, was challenged and approved. */
    private String[] berliner() {
        String tenant = unique("geo");
        String user = unique("anna");
        String first = login(tenant, user, true, "fp-anna", BERLIN_IP);
        JsonNode payload = assessment(first);
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertEquals(List.of("NEW_DEVICE", "NEW_COUNTRY", "UNUSUAL_HOUR"), reasons(payload));

        RiskKafka.verification(tenant, user, first, Outcome.APPROVED, "fp-anna");
        await().atMost(Duration.ofSeconds(30)).until(() -> RiskProfiles.countryKnown(redis, tenant, user, "DE"));
        RiskProfiles.awaitDeviceKnown(redis, tenant, user, "fp-anna");
        return new String[]{tenant, user};
    }

    @Test
    void approvedChallengeMakesItsCountryAndHourFamiliar() {
        String[] who = berliner();
        JsonNode payload = assessment(login(who[0], who[1], true, "fp-anna", BERLIN_IP));
        assertEquals("ALLOW", payload.path("decision").asText());
        assertEquals(List.of(), reasons(payload));
    }

    @Test
    void berlinThenSydneyMinutesLaterIsImpossibleTravelFromANewCountry() {
        String[] who = berliner();
        JsonNode payload = assessment(login(who[0], who[1], true, "fp-anna", SYDNEY_IP));
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertEquals(List.of("NEW_COUNTRY", "IMPOSSIBLE_TRAVEL"), reasons(payload));
        assertEquals(90, payload.path("score").asInt());
    }

    @Test
    void berlinThenMunichMinutesLaterIsImpossibleTravelWithinTheCountry() {
        String[] who = berliner();
        JsonNode payload = assessment(login(who[0], who[1], true, "fp-anna", MUNICH_IP));
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertEquals(List.of("IMPOSSIBLE_TRAVEL"), reasons(payload));
    }

    @Test
    void ipv6AddressesAreLocatedToo() {
        String[] who = berliner();
        JsonNode payload = assessment(login(who[0], who[1], true, "fp-anna", PARIS_IPV6));
        assertEquals(List.of("NEW_COUNTRY", "IMPOSSIBLE_TRAVEL"), reasons(payload));
    }

    @Test
    void newCountryAWeekLaterIsReportedButAloneDoesNotChallenge() {
        String[] who = berliner();
        clock.advance(Duration.ofDays(7));  // same hour of the week, far too long ago for travel to matter
        JsonNode payload = assessment(login(who[0], who[1], true, "fp-anna", SYDNEY_IP));
        assertEquals("ALLOW", payload.path("decision").asText());
        assertEquals(List.of("NEW_COUNTRY"), reasons(payload));
        assertEquals(30, payload.path("score").asInt());
    }

    @Test
    void anAddressTheDatabaseDoesNotKnowGivesNoLocationSignal() {
        String tenant = unique("geo");
        String user = unique("ben");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-ben");
        JsonNode payload = assessment(login(tenant, user, true, "fp-ben", "192.0.2.44"));
        // An unused hour alone is weak: no reason, no step-up.
        assertEquals("ALLOW", payload.path("decision").asText());
        assertEquals(List.of(), reasons(payload));
    }
}
