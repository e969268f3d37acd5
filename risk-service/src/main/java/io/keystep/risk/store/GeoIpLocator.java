package io.keystep.risk.store;

import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.GeoPoint;
import io.keystep.risk.domain.Location;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * IP → country, city and coordinates through MaxMind's GeoIP2 reader over a MaxMind-format City database.
 * The database is loaded into memory at start, so a lookup is pure CPU (microseconds) and safe on the event
 * loop. Without a configured file, location signals are off and the service says so once.
 */
@ApplicationScoped
public class GeoIpLocator {

    private static final Logger LOG = Logger.getLogger(GeoIpLocator.class);

    private final DatabaseReader reader;

    public GeoIpLocator(RiskConfig config) {
        this.reader = config.geoip().database().filter(p -> !p.isBlank()).map(GeoIpLocator::open).orElse(null);
    }

    /** Opens a database file with MaxMind's reader; a missing or corrupt file stops the start. */
    public static DatabaseReader open(String path) {
        try {
            return new DatabaseReader.Builder(new File(path)).fileMode(Reader.FileMode.MEMORY).build();
        } catch (IOException e) {
            throw new IllegalStateException("cannot open GeoIP database " + path + ": " + e.getMessage(), e);
        }
    }

    void onStart(@Observes StartupEvent event) {
        if (reader == null) {
            LOG.info("Location signals are off: keystep.risk.geoip.database is not set");
        } else {
            LOG.infof("Location signals on: GeoIP database %s built %s",
                    reader.getMetadata().databaseType(), reader.getMetadata().buildTime());
        }
    }

    void onStop(@Observes ShutdownEvent event) throws IOException {
        if (reader != null) {
            reader.close();
        }
    }

    public boolean enabled() {
        return reader != null;
    }

    /** Where the address is, or empty when location is off or the database does not know it. */
    public Optional<Location> locate(Optional<byte[]> address) {
        if (reader == null || address.isEmpty()) {
            return Optional.empty();
        }
        return locate(reader, address.get());
    }

    /** A lookup in any reader, so that tests can query MaxMind's own databases the same way. */
    public static Optional<Location> locate(DatabaseReader reader, byte[] address) {
        try {
            Optional<CityResponse> found = reader.tryCity(InetAddress.getByAddress(address));
            return found.map(GeoIpLocator::toLocation);
        } catch (UnknownHostException e) {
            return Optional.empty();
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            // A corrupt record or an unexpected database type must not stop a login from being decided.
            LOG.debugf("GeoIP lookup failed: %s", e.getMessage());
            return Optional.empty();
        }
    }

    private static Location toLocation(CityResponse city) {
        String country = city.country() == null ? null : city.country().isoCode();
        String name = city.city() == null ? null : city.city().name();
        GeoPoint point = null;
        if (city.location() != null && city.location().latitude() != null && city.location().longitude() != null) {
            point = new GeoPoint(city.location().latitude(), city.location().longitude());
        }
        return new Location(country, name, point);
    }
}
