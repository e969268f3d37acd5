package io.keystep.risk;

import com.maxmind.geoip2.DatabaseReader;
import io.keystep.events.Decision;
import io.keystep.events.Purpose;
import io.keystep.risk.domain.Assessment;
import io.keystep.risk.domain.DeviceToken;
import io.keystep.risk.domain.IpAddresses;
import io.keystep.risk.domain.Location;
import io.keystep.risk.domain.LoginFacts;
import io.keystep.risk.domain.NetworkListing;
import io.keystep.risk.domain.PreviousLogin;
import io.keystep.risk.domain.Reason;
import io.keystep.risk.domain.RiskEvaluator;
import io.keystep.risk.store.GeoIpLocator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * MaxMind's own test databases (networks and places listed in the {@code .json} beside each file), read with the
 * service's locator. Skipped, with a message saying so, where {@code ../../shared/data/geoip/} is absent.
 */
class MaxMindTestDatabasesTest {

    private static final String LONDON = "81.2.69.142";      // GB, London 51.5142, -0.0931
    private static final String MILTON = "216.160.83.56";    // US, Milton WA 47.2513, -122.3149

    private Path city;

    @BeforeEach
    void needsTheTestData() {
        city = GeoTestDatabase.MAXMIND_TEST_DATA.resolve("GeoIP2-City-Test.mmdb");
        assumeTrue(Files.isRegularFile(city), "MaxMind test databases absent at "
                + GeoTestDatabase.MAXMIND_TEST_DATA.toAbsolutePath().normalize() + ": skipping");
    }

    @Test
    void cityTestDatabaseLocatesRealNetworks() throws Exception {
        try (DatabaseReader reader = GeoIpLocator.open(city.toString())) {
            Location london = locate(reader, LONDON);
            assertEquals("GB", london.country());
            assertEquals("London", london.city());
            assertEquals(51.5142, london.point().latitude(), 1e-9);
            Location milton = locate(reader, MILTON);
            assertEquals("US", milton.country());
            assertEquals("Milton", milton.city());
            assertEquals(-122.3149, milton.point().longitude(), 1e-9);
            assertEquals("SE", locate(reader, "89.160.20.128").country());
        }
    }

    @Test
    void geoLiteCityTestDatabaseIsReadAsWell() throws Exception {
        Path lite = GeoTestDatabase.MAXMIND_TEST_DATA.resolve("GeoLite2-City-Test.mmdb");
        assumeTrue(Files.isRegularFile(lite), "GeoLite2-City-Test.mmdb absent: skipping");
        try (DatabaseReader reader = GeoIpLocator.open(lite.toString())) {
            assertEquals("GB", locate(reader, LONDON).country());
        }
    }

    @Test
    void londonThenMiltonWithinAnHourIsImpossibleTravel() throws Exception {
        try (DatabaseReader reader = GeoIpLocator.open(city.toString())) {
            Location london = locate(reader, LONDON);
            Location milton = locate(reader, MILTON);
            Instant first = Instant.parse("2026-03-02T09:00:00Z");
            RiskEvaluator evaluator = EvaluatorFixtures.evaluator();

            LoginFacts hourLater = knownDeviceFrom(milton, true, new PreviousLogin(london.point(), first),
                    first.plus(Duration.ofHours(1)));
            Assessment quick = evaluator.evaluate(hourLater, EvaluatorFixtures.policy(), false);
            assertTrue(quick.reasons().contains(Reason.IMPOSSIBLE_TRAVEL), quick.toString());
            assertEquals(Decision.CHALLENGE, quick.decision());

            // About 7,700 km in 12 hours is an airliner, not a stolen password.
            LoginFacts nextDay = knownDeviceFrom(milton, true, new PreviousLogin(london.point(), first),
                    first.plus(Duration.ofHours(12)));
            Assessment slow = evaluator.evaluate(nextDay, EvaluatorFixtures.policy(), false);
            assertFalse(slow.reasons().contains(Reason.IMPOSSIBLE_TRAVEL), slow.toString());
            assertEquals(Decision.ALLOW, slow.decision());
        }
    }

    private static LoginFacts knownDeviceFrom(Location location, boolean countryKnown, PreviousLogin previous,
                                              Instant at) {
        return new LoginFacts(true, Purpose.LOGIN, at, true, DeviceToken.NONE, location, countryKnown, previous, true, 0, 0,
                NetworkListing.NONE, false);
    }

    private static Location locate(DatabaseReader reader, String ip) {
        return GeoIpLocator.locate(reader, IpAddresses.parse(ip).orElseThrow()).orElseThrow();
    }
}
