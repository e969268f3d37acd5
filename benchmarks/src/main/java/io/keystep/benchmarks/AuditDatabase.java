package io.keystep.benchmarks;

import io.keystep.deploy.LocalStack;
import io.keystep.testsupport.DatabaseRoles;
import io.keystep.testsupport.LocalPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * audit-service's PostgreSQL database, read directly as the compliance reader role (it may only read): the committed
 * rows are the figure of the ingest benchmark. The plain INSERT baseline writes a scratch copy of the events table,
 * which only the database's owner role may create, on a connection of its own. The events table is the one
 * audit-service's migration made ({@code audit_event}; found by its columns should it be renamed).
 */
final class AuditDatabase implements AutoCloseable {

    private final Connection connection;
    private final LocalPostgres.Database owner;
    private final String table;

    private AuditDatabase(Connection connection, LocalPostgres.Database owner, String table) {
        this.connection = connection;
        this.owner = owner;
        this.table = table;
    }

    /** The audit database of the stack, with the roles the stack bootstrapped. */
    static AuditDatabase open(LocalStack stack) {
        DatabaseRoles.Roles roles = stack.databaseRoles("audit");
        LocalPostgres.Database reader = roles.reader();
        try {
            Connection connection = DriverManager.getConnection(reader.jdbcUrl(), reader.user(), reader.password());
            return new AuditDatabase(connection, roles.owner(), eventsTable(connection));
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

    /** A new connection as the database's owner, for the baseline's scratch table; the caller closes it. */
    Connection scratch() throws SQLException {
        return DriverManager.getConnection(owner.jdbcUrl(), owner.user(), owner.password());
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
