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
 * the coming months ahead of time. The service's database role may only append to the trail and read it: creating,
 * dropping and pruning go through the database's {@code SECURITY DEFINER} functions (migration V4), which check the
 * retention again themselves and record what they removed in {@code audit_retention_record}.
 *
 * <p>Runs on the scheduler's worker thread with JDBC: DDL and a walk over the partitions are blocking by nature.
 */
@ApplicationScoped
public class RetentionJob {

    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    private static final Pattern PARTITION = Pattern.compile("audit_event_y(\\d{4})m(\\d{2})");
    /** The SQLSTATE of the database's retention functions refusing a partition still within retention. */
    static final String REFUSED = "KA002";

    private static final java.time.Duration APPLY_TIMEOUT = java.time.Duration.ofSeconds(60);

    private final DataSource dataSource;
    private final AuditConfig config;
    private final Clock clock;
    private final RetentionChanges changes;

    public RetentionJob(DataSource dataSource, AuditConfig config, Clock clock, RetentionChanges changes) {
        this.dataSource = dataSource;
        this.config = config;
        this.clock = clock;
        this.changes = changes;
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
        // shortenings whose delay has passed count from this run on (announced in the trail as they are applied)
        changes.applyDue(now).await().atMost(APPLY_TIMEOUT);
        try (Connection connection = dataSource.getConnection()) {
            createPartition(connection, current);
            createPartition(connection, current.plusMonths(1));
            // each tenant's own retention (audit settings), else the configured one
            Map<String, Integer> months = TenantSettingsStore.retentionOverrides(connection);
            for (String partition : partitions(connection)) {
                Matcher m = PARTITION.matcher(partition);
                if (!m.matches()) {
                    continue;
                }
                YearMonth month = YearMonth.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                if (!month.isBefore(current)) {
                    continue;
                }
                List<String> tenants = tenantsIn(connection, partition);
                if (!expiredForEveryTenant(tenants, month, now, months) || held(connection, partition)) {
                    continue;
                }
                if (drop(connection, partition, askedMonths(tenants, months))) {
                    dropped.add(partition);
                }
            }
            for (String tenant : chainedTenants(connection)) {
                long removed = pruneTenant(connection, tenant, monthsFor(tenant, months));
                if (removed > 0) {
                    LOG.infof("retention removed %d expired row(s) of tenant %s from shared partitions", removed, tenant);
                }
            }
        }
        return dropped;
    }

    /** Creates a month's partition through the database's function: the service may not run DDL itself. */
    private static void createPartition(Connection connection, YearMonth month) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT audit_create_partition(?)")) {
            s.setObject(1, month.atDay(1));
            s.execute();
        }
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
     * retention) still need their partitions: the database's {@code audit_prune_tenant} deletes them row by row,
     * with their event ids, cutting only the oldest end of the tenant's chain (see the function) and recording the
     * cut. The service itself may not delete trail rows. Returns the number of rows removed.
     */
    long pruneTenant(Connection connection, String tenant, int retentionMonths) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT audit_prune_tenant(?, ?)")) {
            s.setString(1, tenant);
            s.setInt(2, retentionMonths);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
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

    private static List<String> tenantsIn(Connection connection, String partition) throws SQLException {
        List<String> tenants = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT DISTINCT tenant_id FROM " + partition)) {
            while (rs.next()) {
                tenants.add(rs.getString(1));
            }
        }
        return tenants;
    }

    private boolean expiredForEveryTenant(List<String> tenants, YearMonth month, Instant now,
                                          Map<String, Integer> overrides) {
        Instant monthEnd = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        if (tenants.isEmpty()) {
            return !monthEnd.atOffset(ZoneOffset.UTC).plusMonths(Math.max(config.retention().floorMonths(), config.retention().defaultMonths())).toInstant().isAfter(now);
        }
        for (String tenant : tenants) {
            int months = monthsFor(tenant, overrides);
            if (monthEnd.atOffset(ZoneOffset.UTC).plusMonths(months).toInstant().isAfter(now)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The retention the drop asks the database to apply: the longest configured one among the partition's tenants
     * without a setting of their own (the database applies the others' settings itself), the default for an empty
     * partition.
     */
    private int askedMonths(List<String> tenants, Map<String, Integer> overrides) {
        if (tenants.isEmpty()) {
            return Math.max(config.retention().floorMonths(), config.retention().defaultMonths());
        }
        return tenants.stream().filter(t -> !overrides.containsKey(t)).mapToInt(t -> config.retention().monthsFor(t))
                .max().orElse(0);
    }

    /**
     * The tenant's retention: its own setting, else the configured per-tenant value, else the default; never under
     * the floor.
     */
    private int monthsFor(String tenant, Map<String, Integer> overrides) {
        Integer own = overrides.get(tenant);
        return own != null ? Math.max(own, config.retention().floorMonths()) : config.retention().monthsFor(tenant);
    }

    private static boolean held(Connection connection, String partition) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT 1 FROM audit_legal_hold h WHERE h.released_at IS NULL AND EXISTS (SELECT 1 FROM " + partition
                        + " e WHERE e.tenant_id = h.tenant_id AND (h.user_id IS NULL OR e.user_id = h.user_id)) LIMIT 1")) {
            return rs.next();
        }
    }

    /**
     * Drops the partition through the database's {@code audit_drop_partition}, which checks the retention again on
     * the database's clock, forgets the partition's event ids, moves each tenant's pruned sequence number so that
     * verification starts after it, and records the drop, in one transaction. A refusal (SQLSTATE KA002: a clock
     * between instances and database disagrees by a moment, or a hold arrived) keeps the partition for the next run.
     */
    private static boolean drop(Connection connection, String partition, int askedMonths) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT audit_drop_partition(?, ?)")) {
            s.setString(1, partition);
            s.setInt(2, askedMonths);
            s.execute();
            return true;
        } catch (SQLException e) {
            if (REFUSED.equals(e.getSQLState())) {
                LOG.warnf("retention kept %s: %s", partition, e.getMessage());
                return false;
            }
            throw e;
        }
    }
}
