package io.keystep.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Bootstraps a service's database and its roles, as a superuser, the way a deployment does: {@code <db>_owner} owns
 * the database and its schema and runs the migrations, {@code <db>_service} is what the service runs as (its grants
 * come from the migrations), and for the audit database {@code audit_reader} reads the trail for compliance. None is
 * a superuser or may create roles or databases. Run again, it sets the given passwords and adopts whatever an earlier
 * version created as the superuser, so an upgraded database ends as a fresh one.
 */
public final class DatabaseRoles {

    private DatabaseRoles() {
    }

    /** The roles of one database and how each reaches it; {@code reader} is null where there is none. */
    public record Roles(LocalPostgres.Database owner, LocalPostgres.Database service, LocalPostgres.Database reader) {
    }

    /** The audit trail has compliance readers; the other databases have none. */
    public static boolean hasReader(String database) {
        return "audit".equals(database);
    }

    /** Role names of a database: {@code <db>_owner}, {@code <db>_service}, {@code <db>_reader}. */
    public static String owner(String database) {
        return database + "_owner";
    }

    public static String service(String database) {
        return database + "_service";
    }

    public static String reader(String database) {
        return database + "_reader";
    }

    /**
     * Creates (or brings up to date) the database {@code name} and its roles, connecting as {@code admin}, and says
     * how each role reaches it. Passwords come from {@code passwords} (role name to password).
     */
    public static Roles bootstrap(String host, int port, String admin, String adminPassword, String name,
                                  boolean withReader, java.util.function.Function<String, String> passwords) {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        String owner = owner(name);
        String service = service(name);
        String reader = withReader ? reader(name) : null;
        String base = "jdbc:postgresql://" + host + ":" + port + "/";
        try (Connection c = DriverManager.getConnection(base + "postgres", admin, adminPassword);
             Statement s = c.createStatement()) {
            for (String role : withReader ? new String[]{owner, service, reader} : new String[]{owner, service}) {
                ensureRole(c, s, role, passwords.apply(role));
            }
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, name);
                try (ResultSet rs = exists.executeQuery()) {
                    s.execute(rs.next() ? "ALTER DATABASE " + name + " OWNER TO " + owner
                            : "CREATE DATABASE " + name + " OWNER " + owner);
                }
            }
            // nobody connects or makes temporary tables unless named here
            s.execute("REVOKE ALL ON DATABASE " + name + " FROM PUBLIC");
            s.execute("GRANT CONNECT ON DATABASE " + name + " TO " + service + (reader != null ? ", " + reader : ""));
        } catch (SQLException e) {
            throw new IllegalStateException("could not bootstrap database " + name + " on " + host + ":" + port, e);
        }
        try (Connection c = DriverManager.getConnection(base + name, admin, adminPassword);
             Statement s = c.createStatement()) {
            s.execute("ALTER SCHEMA public OWNER TO " + owner);
            s.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT USAGE ON SCHEMA public TO " + service + (reader != null ? ", " + reader : ""));
            s.execute(adoptObjects(owner));
        } catch (SQLException e) {
            throw new IllegalStateException("could not bootstrap the schema of " + name + " on " + host + ":" + port, e);
        }
        return new Roles(new LocalPostgres.Database(host, port, name, owner, passwords.apply(owner)),
                new LocalPostgres.Database(host, port, name, service, passwords.apply(service)),
                reader == null ? null : new LocalPostgres.Database(host, port, name, reader, passwords.apply(reader)));
    }

    private static void ensureRole(Connection c, Statement s, String role, String password) throws SQLException {
        if (!password.matches("[A-Za-z0-9_+/=-]{16,}")) {
            throw new IllegalArgumentException("a role password of at least 16 plain characters is needed for " + role);
        }
        boolean exists;
        try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            q.setString(1, role);
            try (ResultSet rs = q.executeQuery()) {
                exists = rs.next();
            }
        }
        s.execute((exists ? "ALTER ROLE " : "CREATE ROLE ") + role
                + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '" + password + "'");
    }

    /**
     * Hands every table, view, sequence and function of the schema to the owner role: a database migrated by an
     * earlier version as the superuser then continues under the owner, and its grants can be given.
     */
    static String adoptObjects(String owner) {
        return """
                DO $adopt$
                DECLARE r record;
                BEGIN
                    FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                               AND pg_get_userbyid(c.relowner) <> '%1$s' LOOP
                        EXECUTE format('ALTER TABLE %%s OWNER TO %1$s', r.name);
                    END LOOP;
                    FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> '%1$s'
                               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
                        EXECUTE format('ALTER SEQUENCE %%s OWNER TO %1$s', r.name);
                    END LOOP;
                    FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                             WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '%1$s'
                               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
                        EXECUTE format('ALTER ROUTINE %%s OWNER TO %1$s', r.name);
                    END LOOP;
                END
                $adopt$""".formatted(owner);
    }
}
