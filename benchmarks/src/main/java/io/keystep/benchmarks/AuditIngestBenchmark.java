package io.keystep.benchmarks;

import io.keystep.deploy.LocalStack;
import io.keystep.events.Decision;
import io.keystep.events.Envelope;
import io.keystep.events.LoginDecided;
import io.keystep.events.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Audit ingest: a burst of events published to {@code auth.decision.v1} (read by audit-service alone, so nothing
 * else reacts to them), spread over 16 tenants, and the time until audit-service has committed every one of them
 * to PostgreSQL. Beside it, the same rows (read back as audit-service stored them) inserted by a plain batched JDBC
 * INSERT, 500 rows per batch and transaction, into a table of the same columns and indexes in the same database.
 */
final class AuditIngestBenchmark {

    static final int TENANTS = 16;
    static final int BATCH = 500;

    record Result(int events, String table, double publishSeconds, double ingestSeconds, double ingestEventsPerSecond,
                  long stored, String baseline, double insertSeconds, double insertRowsPerSecond,
                  double ingestToInsert, CpuMeter.Use cpu) {
    }

    private AuditIngestBenchmark() {
    }

    static Result run(LocalStack stack, AuditDatabase audit, Population people, BenchmarkOptions options,
                      CpuMeter cpu, Runnable settle, PrintStream out) {
        int count = options.auditEvents();
        String prefix = "bench-" + people.runId() + "-audit-";
        settle.run();
        out.printf("  publishing %d events to %s over %d tenants%n", count, Topics.LOGIN_DECISION, TENANTS);
        CpuMeter.Snapshot before = cpu.snapshot();
        long started = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                LoginLatencyBenchmark.producerConfig(stack.kafkaBootstrap()), new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String tenant = prefix + (i % TENANTS);
                String user = "user-" + i;
                String loginId = "audit-login-" + people.runId() + "-" + i;
                Envelope<LoginDecided> event = Envelope.of(LoginDecided.TYPE, Instant.now(), tenant, loginId,
                        new LoginDecided(loginId, user, Decision.ALLOW, null, List.of("KNOWN_DEVICE")));
                producer.send(new ProducerRecord<>(Topics.LOGIN_DECISION, Topics.key(tenant, user),
                        LoginLatencyBenchmark.json(event)));
            }
            producer.flush();
        }
        double publishSeconds = (System.nanoTime() - started) / 1e9;
        long stored = 0;
        long lastProgress = System.nanoTime();
        long doneAt = 0;
        while (System.nanoTime() - lastProgress < options.drainTimeout().toNanos()) {
            long now = audit.rowsOfTenants(prefix);
            if (now > stored) {
                lastProgress = System.nanoTime();
                stored = now;
            }
            if (stored >= count) {
                doneAt = System.nanoTime();
                break;
            }
            CheckBenchmark.sleep(100);
        }
        CpuMeter.Use used = cpu.between(before, cpu.snapshot(), "event", stored);
        double ingestSeconds = ((doneAt == 0 ? lastProgress : doneAt) - started) / 1e9;
        double ingestRate = stored / ingestSeconds;
        if (stored < count) {
            out.printf("  audit-service stored only %d of %d (nothing more for %d s)%n", stored, count,
                    options.drainTimeout().toSeconds());
        } else {
            out.printf("  audit-service stored all %d in %.2f s: %.0f events/s%n", count, ingestSeconds, ingestRate);
        }

        Insert insert = plainInsert(audit, prefix, people.runId(), out);
        out.printf("  plain batched INSERT of the same %d rows (%s): %.2f s, %.0f rows/s%n", insert.rows(),
                insert.how(), insert.seconds(), insert.rows() / insert.seconds());
        double insertRate = insert.rows() / insert.seconds();
        return new Result(count, audit.table(), ClosedLoop.round(publishSeconds), ClosedLoop.round(ingestSeconds),
                ClosedLoop.round(ingestRate), stored, insert.how(), ClosedLoop.round(insert.seconds()),
                ClosedLoop.round(insertRate), CheckBenchmark.ratio(ingestRate, insertRate), used);
    }

    private record Insert(int rows, double seconds, String how) {
    }

    /** Reads the stored rows back and inserts them again, batched, into a copy of the table; drops the copy. */
    private static Insert plainInsert(AuditDatabase audit, String prefix, String runId, PrintStream out) {
        Connection connection = audit.connection();
        String copy = "bench_insert_" + runId.replaceAll("[^a-z0-9]", "");
        try {
            String how;
            try (Statement ddl = connection.createStatement()) {
                try {
                    ddl.execute("CREATE TABLE " + copy + " (LIKE " + audit.table() + " INCLUDING ALL)");
                    how = "same columns and indexes";
                } catch (SQLException e) {
                    ddl.execute("CREATE TABLE " + copy + " (LIKE " + audit.table() + " INCLUDING DEFAULTS)");
                    how = "same columns, no indexes (" + e.getMessage().lines().findFirst().orElse("") + ")";
                }
            }
            List<Object[]> rows = new ArrayList<>();
            String columns;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT * FROM " + audit.table() + " WHERE tenant_id LIKE ?")) {
                select.setString(1, prefix + "%");
                try (ResultSet result = select.executeQuery()) {
                    ResultSetMetaData meta = result.getMetaData();
                    List<String> names = new ArrayList<>();
                    for (int c = 1; c <= meta.getColumnCount(); c++) {
                        names.add('"' + meta.getColumnName(c) + '"');
                    }
                    columns = String.join(", ", names);
                    while (result.next()) {
                        Object[] row = new Object[meta.getColumnCount()];
                        for (int c = 0; c < row.length; c++) {
                            row[c] = result.getObject(c + 1);
                        }
                        rows.add(row);
                    }
                }
            }
            if (rows.isEmpty()) {
                return new Insert(0, 1, how);
            }
            String placeholders = String.join(", ", java.util.Collections.nCopies(rows.get(0).length, "?"));
            connection.setAutoCommit(false);
            long started = System.nanoTime();
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO " + copy + " (" + columns + ") VALUES (" + placeholders + ")")) {
                for (int r = 0; r < rows.size(); r++) {
                    Object[] row = rows.get(r);
                    for (int c = 0; c < row.length; c++) {
                        insert.setObject(c + 1, row[c]);
                    }
                    insert.addBatch();
                    if ((r + 1) % BATCH == 0 || r == rows.size() - 1) {
                        insert.executeBatch();
                        connection.commit();
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            connection.setAutoCommit(true);
            return new Insert(rows.size(), seconds, how);
        } catch (SQLException e) {
            throw new IllegalStateException("plain INSERT baseline failed: " + e.getMessage(), e);
        } finally {
            try {
                connection.setAutoCommit(true);
                try (Statement drop = connection.createStatement()) {
                    drop.execute("DROP TABLE IF EXISTS " + copy);
                }
            } catch (SQLException e) {
                out.println("  (could not drop " + copy + ": " + e.getMessage() + ")");
            }
        }
    }
}
