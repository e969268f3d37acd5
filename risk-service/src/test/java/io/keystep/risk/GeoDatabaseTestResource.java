package io.keystep.risk;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points the service at the tests' own MaxMind-format City database, so location signals are on. */
public class GeoDatabaseTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("keystep.risk.geoip.database", GeoTestDatabase.write().toString());
    }

    @Override
    public void stop() {
        // the file is deleted when the JVM exits
    }
}
