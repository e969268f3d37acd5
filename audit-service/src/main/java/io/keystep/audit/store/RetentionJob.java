package io.keystep.audit.store;

import io.keystep.audit.config.AuditConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Retention: drops whole month partitions once every tenant with rows in them is past its retention (the tenant's
 * {@code retentionMonths} audit setting, else {@code keystep.audit.retention.tenant-months.<tenant>}, else 4 years) and no active legal hold covers any of their tenants or users. A partition that is not
 * yet droppable for every tenant in it stays whole: retention never deletes early. Also creates the partitions of
 * the coming months ahead of time.
 *
 * <p>Runs on the scheduler's worker thread with JDBC: DDL and a walk over the partitions are blocking by nature.
 */
@ApplicationScoped
public class RetentionJob {

    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    private static final Pattern PARTITION = Pattern.compile("audit_event_y(\\d{4})m(\\d{2})");

    private final DataSource dataSource;
    private final AuditConfig config;
    private final Clock clock;

    public RetentionJob(DataSource dataSource, AuditConfig config, Clock clock) {
        this.dataSource = dataSource;
        this.config = config;
        this.clock = clock;
    }

    @Scheduled(cron = "${keystep.audit.retention.schedule}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            List<String> dropped = runAt(clock.instant());
            LOG.infof("retention dropped %d partition(s) %s", dropped.size(), dropped);
        } catch (SQLException e) {
            LOG.error("retention run failed; it runs again at its next schedule", e);
        }
    }

    /** One retention run as of {@code now}; returns the partitions dropped. */
    public synchronized List<String> runAt(Instant now) throws SQLException {
        YearMonth current = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        List<String> dropped = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            try (Statement s = connection.createStatement()) {
                s.execute(AuditEventStore.partitionDdl(current));
                s.execute(AuditEventStore.partitionDdl(current.plusMonths(1)));
            }
            // each tenant's own retention (audit settings), else the configured one
            Map<String, Integer> months = TenantSettingsStore.retentionOverrides(connection);
            for (String partition : partitions(connection)) {
                Matcher m = PARTITION.matcher(partition);
                if (!m.matches()) {
                    continue;
                }
                YearMonth month = YearMonth.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                if (!month.isBefore(current) || !expiredForEveryTenant(connection, partition, month, now, months)
                        || held(connection, partition)) {
                    continue;
                }
                drop(connection, partition);
                dropped.add(partition);
            }
            for (String tenant : chainedTenants(connection)) {
                long removed = pruneTenant(connection, tenant, now, monthsFor(tenant, months));
                if (removed > 0) {
                    LOG.infof("retention removed %d expired row(s) of tenant %s from shared partitions", removed, tenant);
                }
            }
        }
        return dropped;
    }

    private static List<String> chainedTenants(Connection connection) throws SQLException {
        List<String> tenants = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant_id FROM audit_chain_head ORDER BY tenant_id")) {
            while (rs.next()) {
                tenants.add(rs.getString(1));
            }
        }
        return tenants;
    }

    /**
     * A tenant's expired rows that whole-partition drops could not remove, because other tenants (with a longer
     * retention) still need their partitions: deleted row by row, with their event ids. Only the oldest end of the
     * tenant's chain is cut: the rows up to the last expired one, stopping before the first row still received
     * after the tenant's retention boundary (clock skew between instances) and before the first row under an
     * active legal hold, so that the remaining rows form one unbroken chain from the new oldest row on.
     * Returns the number of rows removed.
     */
    long pruneTenant(Connection connection, String tenant, Instant now, int retentionMonths) throws SQLException {
        YearMonth current = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        // a row received in month X expires at the end of X plus the retention: rows before this instant are due
        OffsetDateTime boundary = current.minusMonths(retentionMonths).atDay(1).atStartOfDay()
                .atOffset(ZoneOffset.UTC);
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            long pruned;
            try (PreparedStatement s = connection.prepareStatement(
                    "SELECT pruned_through_seq FROM audit_chain_head WHERE tenant_id = ? FOR UPDATE")) {
                s.setString(1, tenant);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        connection.rollback();
                        return 0;
                    }
                    pruned = rs.getLong(1);
                }
            }
            long cut = seq(connection, "SELECT COALESCE(max(chain_seq), ?) FROM audit_event WHERE tenant_id = ?"
                    + " AND received_at < ? AND chain_seq > ?", pruned, tenant, boundary, pruned);
            if (cut > pruned) {
                cut = Math.min(cut, seq(connection, "SELECT min(chain_seq) - 1 FROM audit_event WHERE tenant_id = ?"
                        + " AND received_at >= ? AND chain_seq > ?", tenant, boundary, pruned));
                cut = Math.min(cut, seq(connection, "SELECT min(chain_seq) - 1 FROM audit_event e WHERE tenant_id = ?"
                        + " AND received_at < ? AND chain_seq > ? AND EXISTS (SELECT 1 FROM audit_legal_hold h"
                        + " WHERE h.released_at IS NULL AND h.tenant_id = e.tenant_id"
                        + " AND (h.user_id IS NULL OR h.user_id = e.user_id))", tenant, boundary, pruned));
            }
            if (cut <= pruned) {
                connection.rollback();
                return 0;
            }
            int removed;
            try (PreparedStatement s = connection.prepareStatement("WITH gone AS (DELETE FROM audit_event"
                    + " WHERE tenant_id = ? AND received_at < ? AND chain_seq > ? AND chain_seq <= ? RETURNING event_id)"
                    + " DELETE FROM audit_event_id i USING gone WHERE i.event_id = gone.event_id")) {
                s.setString(1, tenant);
                s.setObject(2, boundary);
                s.setLong(3, pruned);
                s.setLong(4, cut);
                removed = s.executeUpdate();
            }
            try (PreparedStatement s = connection.prepareStatement(
                    "UPDATE audit_chain_head SET pruned_through_seq = ? WHERE tenant_id = ?")) {
                s.setLong(1, cut);
                s.setString(2, tenant);
                s.executeUpdate();
            }
            connection.commit();
            return removed;
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** A sequence number query; NULL (no such row) reads as "no limit". */
    private static long seq(Connection connection, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                long value = rs.getLong(1);
                return rs.wasNull() ? Long.MAX_VALUE : value;
            }
        }
    }

    private static List<String> partitions(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        + " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'audit_event' ORDER BY c.relname")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private boolean expiredForEveryTenant(Connection connection, String partition, YearMonth month, Instant now,
                                          Map<String, Integer> overrides) throws SQLException {
        Instant monthEnd = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        List<String> tenants = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT DISTINCT tenant_id FROM " + partition)) {
            while (rs.next()) {
                tenants.add(rs.getString(1));
            }
        }
        if (tenants.isEmpty()) {
            return !monthEnd.atOffset(ZoneOffset.UTC).plusMonths(config.retention().defaultMonths()).toInstant().isAfter(now);
        }
        for (String tenant : tenants) {
            int months = monthsFor(tenant, overrides);
            if (monthEnd.atOffset(ZoneOffset.UTC).plusMonths(months).toInstant().isAfter(now)) {
                return false;
            }
        }
        return true;
    }

    /** The tenant's retention: its own setting, else the configured per-tenant value, else the default. */
    private int monthsFor(String tenant, Map<String, Integer> overrides) {
        Integer own = overrides.get(tenant);
        return own != null ? own : config.retention().monthsFor(tenant);
    }

    private static boolean held(Connection connection, String partition) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT 1 FROM audit_legal_hold h WHERE h.released_at IS NULL AND EXISTS (SELECT 1 FROM " + partition
                        + " e WHERE e.tenant_id = h.tenant_id AND (h.user_id IS NULL OR e.user_id = h.user_id)) LIMIT 1")) {
            return rs.next();
        }
    }

    /**
     * Drops the partition, forgets its event ids and records, per tenant, the last sequence number removed so that
     * verification starts after it. One transaction: a failure leaves everything as it was.
     */
    private static void drop(Connection connection, String partition) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("UPDATE audit_chain_head h SET pruned_through_seq = GREATEST(h.pruned_through_seq, m.last_seq)"
                    + " FROM (SELECT tenant_id, max(chain_seq) AS last_seq FROM " + partition + " GROUP BY tenant_id) m"
                    + " WHERE h.tenant_id = m.tenant_id");
            s.executeUpdate("DELETE FROM audit_event_id WHERE event_id IN (SELECT event_id FROM " + partition + ")");
            s.execute("DROP TABLE " + partition);
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
