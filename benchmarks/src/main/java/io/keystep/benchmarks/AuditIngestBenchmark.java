package io.keystep.benchmarks;

import io.keystep.deploy.LocalStack;
import io.keystep.events.Decision;
import io.keystep.events.Envelope;
import io.keystep.events.LoginDecided;
import io.keystep.events.Topics;
import io.keystep.testsupport.BusCredentials;
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
 * Both are measured warm: a quarter-sized burst of other tenants goes first, unmeasured, and the plain INSERT runs
 * once unmeasured into the table it then empties.
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
        if (!options.warmup().isZero()) {
            // A quarter-sized burst first, unmeasured, so that the measured one meets a warm JIT as a running
            // service's would (the other benchmarks warm up the same way); its rows are tenants of their own.
            int warm = Math.max(1, count / 4);
            out.printf("  warming up: %d events%n", warm);
            Burst w = burst(stack, audit, "bench-" + people.runId() + "-auditwarm-", people.runId() + "-warm", warm,
                    cpu, options);
            out.printf("    %d of %d stored in %.2f s%n", w.stored(), warm, w.ingestSeconds());
            settle.run();
        }
        out.printf("  publishing %d events to %s over %d tenants%n", count, Topics.LOGIN_DECISION, TENANTS);
        Burst b = burst(stack, audit, prefix, people.runId(), count, cpu, options);
        double ingestRate = b.stored() / b.ingestSeconds();
        if (b.stored() < count) {
            out.printf("  audit-service stored only %d of %d (nothing more for %d s)%n", b.stored(), count,
                    options.drainTimeout().toSeconds());
        } else {
            out.printf("  audit-service stored all %d in %.2f s: %.0f events/s%n", count, b.ingestSeconds(),
                    ingestRate);
        }

        Insert insert = plainInsert(audit, prefix, people.runId(), out);
        out.printf("  plain batched INSERT of the same %d rows (%s): %.2f s, %.0f rows/s%n", insert.rows(),
                insert.how(), insert.seconds(), insert.rows() / insert.seconds());
        double insertRate = insert.rows() / insert.seconds();
        return new Result(count, audit.table(), ClosedLoop.round(b.publishSeconds()),
                ClosedLoop.round(b.ingestSeconds()), ClosedLoop.round(ingestRate), b.stored(), insert.how(),
                ClosedLoop.round(insert.seconds()), ClosedLoop.round(insertRate),
                CheckBenchmark.ratio(ingestRate, insertRate), b.cpu());
    }

    private record Burst(double publishSeconds, double ingestSeconds, long stored, CpuMeter.Use cpu) {
    }

    /** Publishes {@code count} events over the tenants {@code prefix0..15} and waits until audit-service has them. */
    private static Burst burst(LocalStack stack, AuditDatabase audit, String prefix, String runId, int count,
                               CpuMeter cpu, BenchmarkOptions options) {
        // The records are built before the clock starts and sent in full batches, so that the burst arrives as
        // fast as the broker takes it and the figure is audit-service's, not the load generator's.
        List<String> tenants = new ArrayList<>(TENANTS);
        for (int t = 0; t < TENANTS; t++) {
            tenants.add(prefix + t);
        }
        List<ProducerRecord<String, String>> records = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String tenant = tenants.get(i % TENANTS);
            String user = "user-" + i;
            String loginId = "audit-login-" + runId + "-" + i;
            Envelope<LoginDecided> event = Envelope.of(LoginDecided.TYPE, Instant.now(), tenant, loginId,
                    new LoginDecided(loginId, user, Decision.ALLOW, null, List.of("KNOWN_DEVICE")));
            records.add(new ProducerRecord<>(Topics.LOGIN_DECISION, Topics.key(tenant, user),
                    LoginLatencyBenchmark.json(event)));
        }
        java.util.Map<String, Object> config = new java.util.HashMap<>(
                LoginLatencyBenchmark.producerConfig(stack.kafkaClientConfig(BusCredentials.ADMIN)));
        config.put(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(org.apache.kafka.clients.producer.ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        CpuMeter.Snapshot before;
        long started;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            producer.partitionsFor(Topics.LOGIN_DECISION); // metadata before the clock starts
            before = cpu.snapshot();
            started = System.nanoTime();
            records.forEach(producer::send);
            producer.flush();
        }
        double publishSeconds = (System.nanoTime() - started) / 1e9;
        long stored = 0;
        long lastProgress = System.nanoTime();
        long doneAt = 0;
        while (System.nanoTime() - lastProgress < options.drainTimeout().toNanos()) {
            long now = audit.chainedRows(tenants);
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
        // the rows themselves, counted once the clock has stopped
        return new Burst(publishSeconds, ingestSeconds, audit.rowsOfTenants(prefix), used);
    }

    private static void insertBatched(Connection connection, String sql, List<Object[]> rows) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
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
    }

    private record Insert(int rows, double seconds, String how) {
    }

    /**
     * Reads the stored rows back and inserts them again, batched, into a copy of the table holding every other row
     * of the events table; drops the copy.
     */
    private static Insert plainInsert(AuditDatabase audit, String prefix, String runId, PrintStream out) {
        Connection connection;
        try {
            connection = audit.scratch();
        } catch (SQLException e) {
            throw new IllegalStateException("plain INSERT baseline cannot connect: " + e.getMessage(), e);
        }
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
            String sql = "INSERT INTO " + copy + " (" + columns + ") VALUES (" + placeholders + ")";
            // Once unmeasured (the driver's and the JIT's warm-up, as audit-service had its own), then measured.
            insertBatched(connection, sql, rows);
            try (Statement truncate = connection.createStatement()) {
                truncate.execute("TRUNCATE " + copy);
            }
            // The rows the events table held beside the burst's (every row the SELECT above left out), so that both
            // tables and their indexes are the same size when the burst's rows go in: an empty table takes inserts
            // faster.
            try (PreparedStatement others = connection.prepareStatement("INSERT INTO " + copy + " SELECT * FROM "
                    + audit.table() + " WHERE tenant_id NOT LIKE ?")) {
                others.setString(1, prefix + "%");
                others.executeUpdate();
            }
            connection.commit();
            long started = System.nanoTime();
            insertBatched(connection, sql, rows);
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
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }
}
