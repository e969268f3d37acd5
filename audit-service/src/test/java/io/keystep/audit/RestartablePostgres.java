package io.keystep.audit;

import io.keystep.testsupport.DatabaseRoles;
import io.keystep.testsupport.LocalPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * audit-service's own PostgreSQL for its tests: on a fixed port and a kept data directory, so that a test can
 * stop it and start it again on the same port with the same data, as an outage of the database would.
 */
public final class RestartablePostgres {

    private static RestartablePostgres instance;

    private final Path dataDirectory;
    private DatabaseRoles.Roles roles;
    private final int port;
    private EmbeddedPostgres server;

    private RestartablePostgres(Path dataDirectory, int port) {
        this.dataDirectory = dataDirectory;
        this.port = port;
    }

    public static synchronized RestartablePostgres get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("audit-pg");
                instance = new RestartablePostgres(dir, io.keystep.testsupport.FreePorts.next());
                instance.start();
                instance.roles = DatabaseRoles.bootstrap("localhost", instance.port, LocalPostgres.USER,
                        LocalPostgres.superuserPassword(), "audit", true, LocalPostgres::passwordOf);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    instance.stop();
                    deleteTree(dir);
                }));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    public synchronized void start() {
        try {
            server = LocalPostgres.password(EmbeddedPostgres.builder())
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100")
                    // The million-row export test writes over 600 MB of rows; by default PostgreSQL keeps up to
                    // 1 GB of WAL beside them. Tests need no replication or archive, so WAL is kept small.
                    .setServerConfig("wal_level", "minimal")
                    .setServerConfig("max_wal_senders", "0")
                    .setServerConfig("max_wal_size", "64MB")
                    .setServerConfig("min_wal_size", "32MB")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL", e);
        }
    }

    public synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                server = null;
            }
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/audit";
    }

    public String reactiveUrl() {
        return "postgresql://localhost:" + port + "/audit";
    }

    /** The audit database's roles: owner (migrations), service, compliance reader. */
    public DatabaseRoles.Roles roles() {
        return roles;
    }

    /**
     * A JDBC connection to the audit database as the superuser, for tests that read or tamper with rows directly, as
     * someone holding the server would.
     */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), LocalPostgres.USER, LocalPostgres.superuserPassword());
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // the JVM is going away; a temporary directory left behind is all that is lost
        }
    }
}
