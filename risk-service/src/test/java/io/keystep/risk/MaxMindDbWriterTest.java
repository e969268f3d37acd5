package io.keystep.risk;

import com.maxmind.geoip2.DatabaseReader;
import io.keystep.risk.domain.IpAddresses;
import io.keystep.risk.domain.Location;
import io.keystep.risk.store.GeoIpLocator;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tests' own database, checked by MaxMind's reader. */
class MaxMindDbWriterTest {

    @Test
    void maxMindsReaderFindsEveryNetworkTheTestsWrote() throws Exception {
        Path file = GeoTestDatabase.write();
        try (DatabaseReader reader = GeoIpLocator.open(file.toString())) {
            assertEquals("GeoIP2-City", reader.getMetadata().databaseType());
            assertEquals(6, reader.getMetadata().ipVersion());

            var berlin = reader.city(InetAddress.getByName(GeoTestDatabase.BERLIN_IP));
            assertEquals("DE", berlin.country().isoCode());
            assertEquals("Germany", berlin.country().name());
            assertEquals("Berlin", berlin.city().name());
            assertEquals(52.52, berlin.location().latitude());
            assertEquals(13.405, berlin.location().longitude());

            Location sydney = locate(reader, GeoTestDatabase.SYDNEY_IP).orElseThrow();
            assertEquals("AU", sydney.country());
            assertEquals(-33.8688, sydney.point().latitude());

            Location paris = locate(reader, GeoTestDatabase.PARIS_IPV6).orElseThrow();
            assertEquals("FR", paris.country());
            assertEquals("Paris", paris.city());
        }
    }

    @Test
    void addressesOutsideTheWrittenNetworksAreUnknown() throws Exception {
        Path file = GeoTestDatabase.write();
        try (DatabaseReader reader = GeoIpLocator.open(file.toString())) {
            assertTrue(locate(reader, "192.0.2.1").isEmpty());
            assertTrue(locate(reader, "198.51.101.1").isEmpty());
            assertTrue(locate(reader, "2001:db8:2::1").isEmpty());
        }
    }

    private static Optional<Location> locate(DatabaseReader reader, String ip) {
        return GeoIpLocator.locate(reader, IpAddresses.parse(ip).orElseThrow());
    }
}
