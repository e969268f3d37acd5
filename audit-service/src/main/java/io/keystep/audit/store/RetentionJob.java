package io.keystep.audit.store;

import io.keystep.audit.config.AuditConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Retention: drops whole month partitions once every tenant with rows in them is past its retention (4 years unless
 * configured per tenant) and no active legal hold covers any of their tenants or users. A partition that is not
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
            for (String partition : partitions(connection)) {
                Matcher m = PARTITION.matcher(partition);
                if (!m.matches()) {
                    continue;
                }
                YearMonth month = YearMonth.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                if (!month.isBefore(current) || !expiredForEveryTenant(connection, partition, month, now)
                        || held(connection, partition)) {
                    continue;
                }
                drop(connection, partition);
                dropped.add(partition);
            }
        }
        return dropped;
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

    private boolean expiredForEveryTenant(Connection connection, String partition, YearMonth month, Instant now)
            throws SQLException {
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
            int months = config.retention().monthsFor(tenant);
            if (monthEnd.atOffset(ZoneOffset.UTC).plusMonths(months).toInstant().isAfter(now)) {
                return false;
            }
        }
        return true;
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
