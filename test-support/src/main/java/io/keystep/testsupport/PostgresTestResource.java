package io.keystep.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

/**
 * Points a Quarkus test at a database of the shared real PostgreSQL server, reactive and JDBC alike, as a deployment
 * does: Flyway migrates as the database's owner role, the service runs as its service role ({@link DatabaseRoles}).
 * The database is named by the init argument {@code database}.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private String database = "keystep";

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
    }

    @Override
    public Map<String, String> start() {
        return properties(SharedServers.postgres().roles(database));
    }

    /** The datasource and Flyway settings that give a service these roles. */
    public static Map<String, String> properties(DatabaseRoles.Roles roles) {
        LocalPostgres.Database service = roles.service();
        return Map.of(
                "quarkus.datasource.reactive.url", service.reactiveUrl(),
                "quarkus.datasource.jdbc.url", service.jdbcUrl(),
                "quarkus.datasource.username", service.user(),
                "quarkus.datasource.password", service.password(),
                "quarkus.flyway.username", roles.owner().user(),
                "quarkus.flyway.password", roles.owner().password());
    }

    /**
     * A JDBC connection with the credentials the service under test is configured with: what whoever holds them
     * could do.
     */
    public static Connection asTheService() throws SQLException {
        Config config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; stopped when the JVM exits
    }
}
