package io.keystep.audit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points the service at {@link RestartablePostgres}. */
public class AuditPostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        RestartablePostgres pg = RestartablePostgres.get();
        return Map.of(
                "quarkus.datasource.reactive.url", pg.reactiveUrl(),
                "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }

    @Override
    public void stop() {
        // stopped when the JVM exits
    }
}
