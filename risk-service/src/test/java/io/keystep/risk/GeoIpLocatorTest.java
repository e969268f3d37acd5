package io.keystep.risk;

import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.IpAddresses;
import io.keystep.risk.store.GeoIpLocator;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Location signals are on with a database file, off without one, and a configured file that is missing fails. */
class GeoIpLocatorTest {

    private static RiskConfig config(String database) {
        Map<String, String> env = new HashMap<>(Map.of("KEYSTEP_RISK_POLICIES_DEFAULT_NEW_DEVICE", "50"));
        if (database != null) {
            env.put("KEYSTEP_RISK_GEOIP_DATABASE", database);
        }
        return new SmallRyeConfigBuilder().withSources(new EnvConfigSource(env, 300))
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(RiskConfig.class).build().getConfigMapping(RiskConfig.class);
    }

    @Test
    void withoutADatabaseLocationSignalsAreOff() {
        GeoIpLocator locator = new GeoIpLocator(config(null));
        assertFalse(locator.enabled());
        assertTrue(locator.locate(IpAddresses.parse(GeoTestDatabase.BERLIN_IP)).isEmpty());
    }

    @Test
    void withADatabaseAddressesAreLocated() {
        GeoIpLocator locator = new GeoIpLocator(config(GeoTestDatabase.write().toString()));
        assertTrue(locator.enabled());
        assertEquals("DE", locator.locate(IpAddresses.parse(GeoTestDatabase.BERLIN_IP)).orElseThrow().country());
        assertTrue(locator.locate(IpAddresses.parse("not-an-ip")).isEmpty());
    }

    @Test
    void aConfiguredDatabaseThatIsMissingStopsTheStart() {
        assertThrows(IllegalStateException.class, () -> new GeoIpLocator(config("/nonexistent/GeoLite2-City.mmdb")));
    }
}
