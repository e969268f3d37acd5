package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Device;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.keystep.risk.GeoTestDatabase.BERLIN_IP;
import static io.keystep.risk.GeoTestDatabase.MUNICH_IP;
import static io.keystep.risk.GeoTestDatabase.NETHERLANDS_IP;
import static io.keystep.risk.GeoTestDatabase.PARIS_IPV6;
import static io.keystep.risk.GeoTestDatabase.SYDNEY_IP;
import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void theAssessmentCarriesTheLoginsPlaceAndUserAgentForAPushButNeverItsAddress() {
        String tenant = unique("geo");
        String user = unique("clara");
        String agent = "Mozilla/5.0 (X11; Linux x86_64) " + "AppleWebKit/537.36 ".repeat(20);
        String fromBerlin = context(tenant, user, BERLIN_IP, agent);
        JsonNode berlin = assessment(fromBerlin);
        assertEquals("Berlin, DE", berlin.path("location").asText());
        assertEquals(agent.substring(0, 200), berlin.path("userAgent").asText());
        String published = RiskKafka.assessedRecord(fromBerlin).value();
        assertFalse(published.contains(BERLIN_IP), published);

        JsonNode countryOnly = assessment(context(tenant, user, NETHERLANDS_IP, "Keystep/2.1 (iPhone)"));
        assertEquals("NL", countryOnly.path("location").asText());
        assertEquals("Keystep/2.1 (iPhone)", countryOnly.path("userAgent").asText());

        JsonNode unknown = assessment(context(tenant, user, "192.0.2.45", null));
        assertTrue(unknown.path("location").isNull() || unknown.path("location").isMissingNode(), unknown::toString);
        assertTrue(unknown.path("userAgent").isNull() || unknown.path("userAgent").isMissingNode(), unknown::toString);
    }

    /** Publishes a login from {@code ip} with {@code userAgent} and answers its login id. */
    private static String context(String tenant, String user, String ip, String userAgent) {
        String loginId = unique("login");
        RiskKafka.send(Topics.LOGIN, tenant, user, RiskKafka.write(Envelope.of(LoginAttempted.TYPE, Instant.now(),
                tenant, loginId, new LoginAttempted(loginId, user, true, new Device("fp-clara", userAgent), ip,
                        Purpose.LOGIN))));
        return loginId;
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
