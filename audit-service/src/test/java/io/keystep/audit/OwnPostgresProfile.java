package io.keystep.audit;

import io.keystep.testsupport.BusCredentials;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.auth.EventOriginKey;
import io.keystep.testsupport.LocalPostgres;
import io.keystep.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/**
 * audit-service on a PostgreSQL of its own, which a test may stop and start again, and the shared Kafka broker. No
 * token verification key is configured here (no JwtTestResource), as in a deployment that forgot it.
 */
public class OwnPostgresProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        // A consumer group of its own, from now on: this instance must not take records meant for the shared trail.
        // The broker lets audit-service join only its own group, so this instance logs in as the operator.
        Map<String, String> config = new java.util.HashMap<>(CheckpointKeyResource.properties());
        config.putAll(Map.of("mp.messaging.incoming.audit-in.group.id", "audit-own-postgres",
                "mp.messaging.incoming.audit-in.auto.offset.reset", "latest",
                "keystep.kafka.username", BusCredentials.ADMIN,
                "keystep.event-origin.key", EventOriginKey.base64()));
        return config;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KafkaTestResource.class), new TestResourceEntry(Database.class));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }

    /** A fresh PostgreSQL for this profile alone. */
    public static class Database implements QuarkusTestResourceLifecycleManager {

        private static LocalPostgres server;
        private static int port;

        @Override
        public synchronized Map<String, String> start() {
            server = LocalPostgres.start(0);
            port = server.port();
            return PostgresTestResource.properties(server.roles("audit"));
        }

        /** Stops the server, as an outage would. */
        static synchronized void stopServer() {
            server.close();
            server = null;
        }

        /** Starts a server again on the same port, with the database the service uses. */
        static synchronized void startServer() {
            server = LocalPostgres.start(port);
            server.roles("audit");
        }

        @Override
        public synchronized void stop() {
            if (server != null) {
                server.close();
                server = null;
            }
        }
    }
}
