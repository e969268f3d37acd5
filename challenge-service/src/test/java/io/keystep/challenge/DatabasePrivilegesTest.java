package io.keystep.challenge;

import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whoever holds challenge-service's database credentials (the ones it is configured with) gets the rows its
 * repositories use and nothing more: no superuser, no schema changes.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class DatabasePrivilegesTest {

    /** PostgreSQL's SQLSTATE for a missing privilege (or ownership). */
    static final String DENIED = "42501";

    @Test
    void theServiceRoleIsNoSuperuserAndCannotCreateRolesOrDatabases() throws SQLException {
        try (Connection c = PostgresTestResource.asTheService(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
                     + " WHERE rolname = current_user")) {
            assertTrue(rs.next());
            for (int i = 1; i <= 4; i++) {
                assertFalse(rs.getBoolean(i), "role attribute " + rs.getMetaData().getColumnLabel(i));
            }
        }
    }

    @Test
    void theServiceRoleReadsAndWritesItsRowsButRunsNoDdl() throws SQLException {
        try (Connection c = PostgresTestResource.asTheService(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM phone_enrollment")) {
                assertTrue(rs.next(), "the repositories' tables are readable");
            }
            for (String ddl : List.of(
                    "CREATE TABLE stolen (id int)",
                    "CREATE FUNCTION stolen() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                    "CREATE TEMP TABLE stolen (id int)",
                    "ALTER TABLE auth_factor ADD COLUMN stolen text",
                    "ALTER TABLE recovery_code DISABLE TRIGGER ALL",
                    "DROP TABLE trusted_device",
                    "TRUNCATE phone_enrollment",
                    "TRUNCATE event_outbox",
                    "CREATE INDEX stolen ON phone_enrollment (tenant_id)",
                    "DELETE FROM flyway_schema_history",
                    "ALTER TABLE auth_factor OWNER TO CURRENT_USER")) {
                SQLException refused = assertThrows(SQLException.class, () -> s.execute(ddl), ddl);
                assertEquals(DENIED, refused.getSQLState(), ddl + ": " + refused.getMessage());
            }
        }
    }
}
