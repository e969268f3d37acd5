package io.keystep.risk;

import io.keystep.testsupport.geoip.MaxMindDbWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The small City database the service's tests run with, and MaxMind's own test databases when present. */
final class GeoTestDatabase {

    static final String BERLIN_IP = "198.51.100.7";
    static final String MUNICH_IP = "100.64.0.9";
    static final String SYDNEY_IP = "203.0.113.20";
    static final String PARIS_IPV6 = "2001:db8:1::5";
    /** An address the database knows the country of, and no city. */
    static final String NETHERLANDS_IP = "198.18.0.5";

    /** MaxMind's test databases, from the module directory: /work/shared/data/geoip when the repo is /work/main. */
    static final Path MAXMIND_TEST_DATA = Path.of("../../shared/data/geoip");

    private GeoTestDatabase() {
    }

    /** Writes the tests' own City database to a temporary file. */
    static Path write() {
        try {
            Path file = Files.createTempFile("keystep-geo-test", ".mmdb");
            file.toFile().deleteOnExit();
            new MaxMindDbWriter("GeoIP2-City", "Keystep test networks")
                    .insert("198.51.100.0/24", MaxMindDbWriter.city("DE", "Germany", "Berlin", 52.52, 13.405))
                    .insert("100.64.0.0/24", MaxMindDbWriter.city("DE", "Germany", "Munich", 48.1372, 11.5756))
                    .insert("203.0.113.0/24", MaxMindDbWriter.city("AU", "Australia", "Sydney", -33.8688, 151.2093))
                    .insert("2001:db8:1::/48", MaxMindDbWriter.city("FR", "France", "Paris", 48.8566, 2.3522))
                    .insert("198.18.0.0/24", Map.of("country", Map.of("iso_code", "NL",
                            "names", Map.of("en", "Netherlands"))))
                    .write(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
