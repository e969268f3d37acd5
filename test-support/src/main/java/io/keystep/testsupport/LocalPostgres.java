package io.keystep.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real PostgreSQL server process, from the binaries zonky publishes on Maven Central. Connections over TCP
 * authenticate with a password (SCRAM), as on a real server; the passwords are generated once per JVM, so a server
 * started again in the same JVM takes the same ones.
 */
public final class LocalPostgres implements AutoCloseable {

    /** The superuser: it only bootstraps databases and roles ({@link DatabaseRoles}). */
    public static final String USER = "postgres";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, String> PASSWORDS = new ConcurrentHashMap<>();

    private final EmbeddedPostgres postgres;

    private LocalPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts PostgreSQL on {@code port}, or on a free port when {@code port} is 0. */
    public static LocalPostgres start(int port) {
        try {
            EmbeddedPostgres.Builder builder = password(EmbeddedPostgres.builder())
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200");
            if (port > 0) {
                builder.setPort(port);
            }
            return new LocalPostgres(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL", e);
        }
    }

    /**
     * Makes {@code builder}'s server ask for passwords over TCP (initdb's own default trusts every local connection)
     * and gives its superuser this JVM's superuser password.
     */
    public static EmbeddedPostgres.Builder password(EmbeddedPostgres.Builder builder) {
        try {
            Path file = Files.createTempFile("pg-superuser", ".pw");
            file.toFile().deleteOnExit();
            Files.writeString(file, superuserPassword());
            return builder.setLocaleConfig("auth-host", "scram-sha-256")
                    .setLocaleConfig("pwfile", file.toString())
                    .setConnectConfig("password", superuserPassword());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This JVM's password of the superuser {@link #USER}. */
    public static String superuserPassword() {
        return passwordOf(USER);
    }

    /** This JVM's password of a role, generated on first use. */
    public static String passwordOf(String role) {
        return PASSWORDS.computeIfAbsent(role, r -> {
            byte[] bytes = new byte[18];
            RANDOM.nextBytes(bytes);
            return HexFormat.of().formatHex(bytes);
        });
    }

    public int port() {
        return postgres.getPort();
    }

    /** The database and its roles ({@link DatabaseRoles}), created when missing. */
    public DatabaseRoles.Roles roles(String name) {
        return DatabaseRoles.bootstrap("localhost", port(), USER, superuserPassword(), name, DatabaseRoles.hasReader(name),
                LocalPostgres::passwordOf);
    }

    /** Creates the database when it does not exist yet and says how the superuser reaches it. */
    public Database database(String name) {
        return ensureDatabase("localhost", port(), USER, superuserPassword(), name);
    }

    /** Creates a database on any PostgreSQL server when it does not exist yet and says how to reach it. */
    public static Database ensureDatabase(String host, int port, String user, String password, String name) {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        String url = "jdbc:postgresql://" + host + ":" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, user, password);
             PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?");
             Statement statement = connection.createStatement()) {
            exists.setString(1, name);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    statement.execute("CREATE DATABASE " + name);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + " on " + host + ":" + port, e);
        }
        return new Database(host, port, name, user, password);
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where a database listens, in the two URL forms the services take. */
    public record Database(String host, int port, String name, String user, String password) {

        public String jdbcUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + name;
        }

        public String reactiveUrl() {
            return "postgresql://" + host + ":" + port + "/" + name;
        }
    }
}
