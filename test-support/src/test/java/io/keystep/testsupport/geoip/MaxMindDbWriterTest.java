package io.keystep.testsupport.geoip;

import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.AddressNotFoundException;
import com.maxmind.geoip2.model.CityResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the writer produces is a database MaxMind's own reader understands, IPv4 and IPv6 alike. */
class MaxMindDbWriterTest {

    @Test
    void maxMindsReaderFindsTheWrittenNetworksAndNothingElse(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("test-city.mmdb");
        new MaxMindDbWriter("GeoIP2-City", "writer test")
                .insert("192.0.2.0/24", MaxMindDbWriter.city("NZ", "New Zealand", "Wellington", -41.2865, 174.7762))
                .insert("2001:db8:5::/48", MaxMindDbWriter.city("JP", "Japan", "Tokyo", 35.6762, 139.6503))
                .write(file);

        try (DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).build()) {
            assertEquals("GeoIP2-City", reader.getMetadata().databaseType());
            CityResponse wellington = reader.city(InetAddress.getByName("192.0.2.77"));
            assertEquals("NZ", wellington.country().isoCode());
            assertEquals("Wellington", wellington.city().name());
            assertEquals(-41.2865, wellington.location().latitude());
            assertEquals(174.7762, wellington.location().longitude());

            CityResponse tokyo = reader.city(InetAddress.getByName("2001:db8:5::1"));
            assertEquals("Tokyo", tokyo.city().name());

            assertThrows(AddressNotFoundException.class, () -> reader.city(InetAddress.getByName("198.18.0.1")));
        }
    }

    @Test
    void unsignedValuesComeBackAsTheReaderTypes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("asn.mmdb");
        new MaxMindDbWriter("GeoLite2-ASN", "writer test")
                .insert("192.0.2.0/24", Map.of("autonomous_system_number", new MaxMindDbWriter.UInt32(64500),
                        "autonomous_system_organization", "Example Net"))
                .write(file);
        try (DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).build()) {
            var asn = reader.asn(InetAddress.getByName("192.0.2.1"));
            assertEquals(64500L, asn.autonomousSystemNumber());
            assertEquals("Example Net", asn.autonomousSystemOrganization());
        }
    }
}
