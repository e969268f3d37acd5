package io.keystep.challenge;

import io.keystep.testsupport.LocalPostgres;
import io.keystep.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A PostgreSQL server of the annotated test's own, so that the test can stop it without touching the shared one.
 * Started after the shared servers' resources, so that its datasource settings win.
 */
public class OwnPostgresResource implements QuarkusTestResourceLifecycleManager {

    private static LocalPostgres postgres;

    @Override
    public Map<String, String> start() {
        postgres = LocalPostgres.start(0);
        return PostgresTestResource.properties(postgres.roles("challenge"));
    }

    @Override
    public int order() {
        return Integer.MAX_VALUE;
    }

    /** Stops the server: from now on every database call of the service fails. */
    public static synchronized void stopServer() {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    @Override
    public void stop() {
        stopServer();
    }
}
