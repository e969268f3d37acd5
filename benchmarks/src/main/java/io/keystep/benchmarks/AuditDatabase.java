package io.keystep.benchmarks;

import io.keystep.deploy.LocalStack;
import io.keystep.deploy.StackPorts;
import io.keystep.testsupport.LocalPostgres;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * audit-service's PostgreSQL database, read directly: the committed rows are the figure of the ingest benchmark,
 * and the same database takes the plain INSERT baseline. The events table is the one audit-service's migration
 * made ({@code audit_event}; found by its columns should it be renamed).
 */
final class AuditDatabase implements AutoCloseable {

    private final Connection connection;
    private final String table;

    private AuditDatabase(Connection connection, String table) {
        this.connection = connection;
        this.table = table;
    }

    /** The audit database of the stack: the one named by the environment, else the stack's own server. */
    static AuditDatabase open(StackPorts ports, Map<String, String> env) {
        String external = env.get(LocalStack.POSTGRES_ENV);
        LocalPostgres.Database db;
        if (external == null || external.isBlank()) {
            db = LocalPostgres.ensureDatabase("localhost", ports.postgres(), LocalPostgres.USER, LocalPostgres.PASSWORD,
                    "audit");
        } else {
            URI url = URI.create(external);
            String[] credentials = url.getUserInfo().split(":", 2);
            db = LocalPostgres.ensureDatabase(url.getHost(), url.getPort(), credentials[0],
                    credentials.length > 1 ? credentials[1] : "", "audit");
        }
        try {
            Connection connection = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
            return new AuditDatabase(connection, eventsTable(connection));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read audit-service's database: " + e.getMessage(), e);
        }
    }

    private static String eventsTable(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'event_id')
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'payload')
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
                ORDER BY (c.relname = 'audit_event') DESC, c.relname
                """); ResultSet rows = query.executeQuery()) {
            if (!rows.next()) {
                throw new IllegalStateException("audit-service's database has no events table (event_id, tenant_id, "
                        + "payload) yet");
            }
            return rows.getString(1);
        }
    }

    String table() {
        return table;
    }

    Connection connection() {
        return connection;
    }

    /**
     * Rows stored for the given tenants, read from their hash chains' heads: each row stored moves its tenant's head
     * by one in the same transaction, so for tenants new to the trail this is their committed rows. A query of 16
     * rows, cheap enough to repeat while a burst is measured (counting the rows themselves would scan the trail).
     */
    long chainedRows(List<String> tenants) {
        return count("SELECT coalesce(sum(last_seq), 0) FROM audit_chain_head WHERE tenant_id = ANY(?)",
                tenants.toArray(String[]::new));
    }

    /** Rows stored for tenants whose id starts with {@code prefix}. */
    long rowsOfTenants(String prefix) {
        return count("SELECT count(*) FROM " + table + " WHERE tenant_id LIKE ?", prefix.replace("_", "\\_") + "%");
    }

    /**
     * Every row stored, read from the chain heads (each row moves its tenant's head by one, and retention never
     * moves a head back): one row per tenant, where counting the rows would scan the whole trail.
     */
    long rows() {
        return count("SELECT coalesce(sum(last_seq), 0) FROM audit_chain_head", null);
    }

    private long count(String sql, Object parameter) {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            if (parameter != null) {
                query.setObject(1, parameter);
            }
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count audit rows: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until audit-service has stored everything the platform published so far (the row count stands still
     * for two seconds), so that a measurement does not share the machine with a backlog of earlier phases. A login
     * window ends with this wait, so the probe must cost PostgreSQL next to nothing.
     */
    void awaitQuiet(java.time.Duration timeout, java.io.PrintStream out) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        int still = 0;
        while (System.nanoTime() < deadline) {
            long now = rows();
            still = now == last ? still + 1 : 0;
            if (still >= 4) {
                return;
            }
            last = now;
            CheckBenchmark.sleep(500);
        }
        out.println("  (audit-service still ingesting after " + timeout.toSeconds() + " s; measuring anyway)");
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }
}
