package io.keystep.audit;

import io.keystep.audit.store.AuditEventStore;
import io.keystep.testsupport.LocalPostgres;
import io.keystep.testsupport.PostgresTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trail is append-only for whoever holds audit-service's database credentials (the ones it is configured with):
 * rows are inserted and read, never changed or removed, except by the retention function, which refuses anything
 * still within retention and records what it drops. The compliance reader only reads.
 */
@QuarkusTest
class TrailPrivilegesTest {

    /** PostgreSQL's SQLSTATE for a missing privilege (or ownership). */
    static final String DENIED = "42501";
    /** The retention functions' refusal. */
    static final String REFUSED = "KA002";

    static Connection asTheReader() throws SQLException {
        LocalPostgres.Database reader = RestartablePostgres.get().roles().reader();
        return DriverManager.getConnection(reader.jdbcUrl(), reader.user(), reader.password());
    }

    static void assertRefused(Statement s, String state, String sql) {
        SQLException refused = assertThrows(SQLException.class, () -> s.execute(sql), sql);
        assertEquals(state, refused.getSQLState(), sql + ": " + refused.getMessage());
    }

    @Test
    void theServiceAndReaderRolesAreNoSuperusers() throws SQLException {
        for (Connection c : List.of(PostgresTestResource.asTheService(), asTheReader())) {
            try (c; Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user, rolsuper,"
                    + " rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = current_user")) {
                assertTrue(rs.next());
                assertNotEquals(LocalPostgres.USER, rs.getString(1));
                for (int i = 2; i <= 5; i++) {
                    assertFalse(rs.getBoolean(i), rs.getString(1) + ": " + rs.getMetaData().getColumnLabel(i));
                }
            }
        }
    }

    @Test
    void theServiceRoleCannotUpdateDeleteOrTruncateTrailRows() throws SQLException {
        String tenant = Trail.unique("append-only");
        Instant now = Instant.now();
        Trail.appendChain(tenant, "ann", 2, now);
        Map<String, Object> before = Trail.rows("tenant_id = ?", tenant).get(0);
        String partition = AuditEventStore.partitionName(YearMonth.from(now.atOffset(ZoneOffset.UTC)));
        try (Connection c = PostgresTestResource.asTheService(); Statement s = c.createStatement()) {
            for (String table : List.of("audit_event", partition)) {
                assertRefused(s, DENIED, "UPDATE " + table + " SET payload = '{}' WHERE tenant_id = '" + tenant + "'");
                assertRefused(s, DENIED, "DELETE FROM " + table + " WHERE tenant_id = '" + tenant + "'");
                assertRefused(s, DENIED, "TRUNCATE " + table);
                assertRefused(s, DENIED, "DROP TABLE " + table);
                assertRefused(s, DENIED, "ALTER TABLE " + table + " DISABLE TRIGGER ALL");
            }
            assertRefused(s, DENIED, "DELETE FROM audit_event_id WHERE tenant_id = '" + tenant + "'");
            assertRefused(s, DENIED, "TRUNCATE audit_event_id");
            // moving the pruned mark would hide the oldest rows from verification
            assertRefused(s, DENIED, "UPDATE audit_chain_head SET pruned_through_seq = 2 WHERE tenant_id = '" + tenant + "'");
            assertRefused(s, DENIED, "DELETE FROM audit_chain_head WHERE tenant_id = '" + tenant + "'");
            assertRefused(s, DENIED, "DELETE FROM audit_checkpoint");
            assertRefused(s, DENIED, "DELETE FROM audit_legal_hold");
            assertRefused(s, DENIED, "DELETE FROM audit_retention_record");
            assertRefused(s, DENIED, "INSERT INTO audit_retention_record (action, rows_removed) VALUES ('prune-rows', 0)");
            assertRefused(s, DENIED, "CREATE TABLE audit_event_y2999m01 PARTITION OF audit_event"
                    + " FOR VALUES FROM ('2999-01-01') TO ('2999-02-01')");
            assertRefused(s, DENIED, "CREATE TEMP TABLE stolen (id int)");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM audit_event WHERE tenant_id = '" + tenant + "'")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getLong(1), "and it reads the trail");
            }
        }
        assertEquals(before, Trail.rows("tenant_id = ?", tenant).get(0));
    }

    @Test
    void theRetentionFunctionDropsAnOldPartitionRecordsItAndRefusesARecentOne() throws SQLException {
        String tenant = Trail.unique("retained");
        YearMonth old = YearMonth.of(2004, 2);
        String oldPartition = AuditEventStore.partitionName(old);
        long first = Trail.appendChain(tenant, "bo", 3, old.atDay(10).atStartOfDay().toInstant(ZoneOffset.UTC));
        YearMonth current = YearMonth.now(ZoneOffset.UTC);
        try (Connection c = PostgresTestResource.asTheService(); Statement s = c.createStatement()) {
            // recent partitions stay whatever retention the caller asks for
            for (YearMonth recent : List.of(current.minusMonths(1), current, current.plusMonths(1))) {
                try (PreparedStatement create = c.prepareStatement("SELECT audit_create_partition(?)")) {
                    create.setObject(1, recent.atDay(1));
                    create.execute();
                }
                for (int months : new int[]{0, -12, 1}) {
                    assertRefused(s, REFUSED, "SELECT audit_drop_partition('" + AuditEventStore.partitionName(recent)
                            + "', " + months + ")");
                }
                assertTrue(exists(s, AuditEventStore.partitionName(recent)));
            }
            // nothing but a partition of the trail, whatever the name says
            for (String name : List.of("audit_chain_head", "audit_event", "audit_event_y2004m02; DROP TABLE audit_event",
                    "audit_event_y2004m02\" CASCADE --")) {
                assertRefused(s, REFUSED, "SELECT audit_drop_partition('" + name.replace("'", "''") + "', 1)");
            }
            // an old partition within the longer retention asked for stays too
            assertRefused(s, REFUSED, "SELECT audit_drop_partition('" + oldPartition + "', 1200)");
            assertTrue(exists(s, oldPartition));

            try (ResultSet rs = s.executeQuery("SELECT audit_drop_partition('" + oldPartition + "', 1)")) {
                assertTrue(rs.next());
                assertEquals(3, rs.getLong(1));
            }
            assertFalse(exists(s, oldPartition));
            try (ResultSet rs = s.executeQuery("SELECT action, partition_name, through_seq, rows_removed, performed_by"
                    + " FROM audit_retention_record WHERE tenant_id = '" + tenant + "'")) {
                assertTrue(rs.next(), "the drop is recorded");
                assertEquals("drop-partition", rs.getString(1));
                assertEquals(oldPartition, rs.getString(2));
                assertEquals(first + 2, rs.getLong(3));
                assertEquals(3, rs.getLong(4));
                assertEquals(ConfigProvider.getConfig().getValue("quarkus.datasource.username", String.class),
                        rs.getString(5));
                assertFalse(rs.next());
            }
            try (ResultSet rs = s.executeQuery("SELECT pruned_through_seq FROM audit_chain_head WHERE tenant_id = '"
                    + tenant + "'")) {
                assertTrue(rs.next());
                assertEquals(first + 2, rs.getLong(1), "verification starts after the dropped rows");
            }
        }
        assertEquals(0, Trail.claims(tenant), "the dropped rows' event ids are forgotten with them");
    }

    @Test
    void theComplianceReaderReadsTheTrailAndCannotWrite() throws SQLException {
        String tenant = Trail.unique("read-only");
        Trail.appendChain(tenant, "cy", 1, Instant.now());
        try (Connection c = asTheReader(); Statement s = c.createStatement()) {
            for (String table : List.of("audit_event", "audit_chain_head", "audit_checkpoint", "audit_legal_hold",
                    "audit_retention_record", "audit_tenant_settings")) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                    assertTrue(rs.next(), table);
                }
            }
            assertRefused(s, DENIED, "INSERT INTO audit_event_id (event_id, tenant_id, received_at)"
                    + " VALUES (gen_random_uuid(), '" + tenant + "', now())");
            assertRefused(s, DENIED, "UPDATE audit_event SET payload = '{}' WHERE tenant_id = '" + tenant + "'");
            assertRefused(s, DENIED, "DELETE FROM audit_event WHERE tenant_id = '" + tenant + "'");
            assertRefused(s, DENIED, "TRUNCATE audit_event");
            assertRefused(s, DENIED, "UPDATE audit_chain_head SET last_seq = 0 WHERE tenant_id = '" + tenant + "'");
            assertRefused(s, DENIED, "INSERT INTO audit_legal_hold (tenant_id, reason, created_at) VALUES ('x', 'y', now())");
            assertRefused(s, DENIED, "SELECT audit_drop_partition('audit_event_y2004m03', 1)");
            assertRefused(s, DENIED, "SELECT audit_create_partition(DATE '2999-01-01')");
            assertRefused(s, DENIED, "SELECT audit_prune_tenant('" + tenant + "', 1)");
            assertRefused(s, DENIED, "CREATE TABLE stolen (id int)");
        }
        assertEquals(1, Trail.rows("tenant_id = ?", tenant).size());
    }

    private static boolean exists(Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT to_regclass('public.\"" + table + "\"') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
