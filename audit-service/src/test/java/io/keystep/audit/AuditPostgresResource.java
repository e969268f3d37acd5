package io.keystep.audit;

import io.keystep.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points the service at {@link RestartablePostgres}: Flyway as the owner role, the service as its own role. */
public class AuditPostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return PostgresTestResource.properties(RestartablePostgres.get().roles());
    }

    @Override
    public void stop() {
        // stopped when the JVM exits
    }
}
