package io.keystep.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.deploy.LocalStack;
import io.keystep.deploy.Secrets;
import io.keystep.deploy.StackPorts;
import io.keystep.testsupport.BusCredentials;
import io.vertx.mutiny.core.Vertx;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The benchmark command: starts the whole platform on this machine (as the run command does, with fresh secrets
 * and free ports), measures check throughput, audit ingest and login → SMS latency, each beside the limit of the
 * part underneath measured in the same run, and every service's start-up time and memory; prints a table and
 * writes the figures as JSON. Figures only: nothing here passes or fails on a time.
 */
public final class BenchmarkRun {

    /** Everything one run measured; a benchmark that could not run leaves its figure null and says why. */
    public record Results(Instant startedAt, String runId, BenchmarkOptions parameters, Map<String, Object> machine,
                          CheckBenchmark.Result check, AuditIngestBenchmark.Result audit,
                          LoginLatencyBenchmark.Result login, List<Footprint.Service> footprint,
                          Map<String, String> errors) {
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private BenchmarkRun() {
    }

    public static void main(String[] args) {
        Path root = Path.of(System.getProperty("keystep.root", ".")).toAbsolutePath().normalize();
        if (BenchmarkOptions.asksForUsage(List.of(args))) {
            System.out.print(BenchmarkOptions.USAGE);
            return;
        }
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(List.of(args), root);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Results results = run(root, options, System.out);
        System.exit(results.errors().isEmpty() ? 0 : 1);
    }

    /** Runs the benchmarks that {@code options} names on a stack of its own, prints the table, writes the JSON. */
    public static Results run(Path root, BenchmarkOptions options, PrintStream out) {
        Instant startedAt = Instant.now();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        Population people = new Population(runId);
        Map<String, String> errors = new LinkedHashMap<>();
        CheckBenchmark.Result check = null;
        AuditIngestBenchmark.Result audit = null;
        LoginLatencyBenchmark.Result login = null;
        List<Footprint.Service> footprint;

        out.println("Keystep benchmark " + runId + ", from " + root);
        StackPorts ports = StackPorts.free();
        Path logs = options.output().toAbsolutePath().getParent().resolve("benchmark-logs-" + runId);
        Vertx vertx = Vertx.vertx();
        try (LocalStack stack = LocalStack.start(root, ports, Secrets.generate(), System.getenv(), logs, out);
             Footprint footprints = new Footprint(stack)) {
            // Ctrl-C must not leave four service processes behind.
            Thread stopOnExit = new Thread(stack::close, "stop-stack");
            Runtime.getRuntime().addShutdownHook(stopOnExit);
            AuditDatabase auditDb = null;
            try {
                auditDb = AuditDatabase.open(stack);
            } catch (RuntimeException e) {
                errors.put("audit-database", e.getMessage());
                out.println("  audit database unreadable: " + e.getMessage());
            }
            AuditDatabase db = auditDb;
            Runnable settle = () -> {
                if (db != null) {
                    db.awaitQuiet(Duration.ofMinutes(3), out);
                }
            };
            settle.run();
            footprints.measureIdle();
            Map<String, Path> gcLogs = new LinkedHashMap<>();
            stack.services().stream().filter(service -> !service.name().equals(LocalStack.CONSOLE))
                    .forEach(service -> gcLogs.put(service.name(), service.gcLogFile()));
            Path ownGcLog = logs.resolve("benchmark.gc.log");
            if (GcPauses.logThisJvm(ownGcLog)) {
                gcLogs.put(CpuMeter.THIS_JVM, ownGcLog);
            }
            CpuMeter cpu = new CpuMeter(footprints.pids(), ports.postgres(), new GcPauses(gcLogs));

            // Logins first: their warm-up runs every service until its compilers are quiet, so that the check loop
            // and the audit burst after them meet a warm platform too.
            if (options.only().contains("login")) {
                out.println();
                out.println("Login -> SMS latency");
                footprints.loadPhase("login");
                try {
                    login = LoginLatencyBenchmark.run(stack, vertx, people, options, cpu, settle, out);
                } catch (RuntimeException e) {
                    errors.put("login", describe(e));
                    out.println("  failed: " + describe(e));
                }
                footprints.loadPhase(null);
            }
            if (options.only().contains("check")) {
                out.println();
                out.println("Check throughput and latency");
                footprints.loadPhase("check");
                try {
                    check = CheckBenchmark.run(stack, vertx, people, CheckScript.load(root), options, cpu, settle,
                            out);
                } catch (RuntimeException e) {
                    errors.put("check", describe(e));
                    out.println("  failed: " + describe(e));
                }
                footprints.loadPhase(null);
            }
            if (options.only().contains("audit")) {
                out.println();
                out.println("Audit ingest");
                footprints.loadPhase("audit");
                try {
                    if (db == null) {
                        throw new IllegalStateException("audit-service's database is unreadable");
                    }
                    audit = AuditIngestBenchmark.run(stack, db, people, options, cpu, settle, out);
                    if (audit.stored() < audit.events()) {
                        errors.put("audit", "audit-service committed only " + audit.stored() + " of " + audit.events()
                                + " events; see " + stack.service("audit-service").logFile());
                    }
                } catch (RuntimeException e) {
                    errors.put("audit", describe(e));
                    out.println("  failed: " + describe(e));
                }
                footprints.loadPhase(null);
            }
            // Last, so that no window of the platform has these Kafka clients beside it or after it.
            if (login != null && !login.sweep().isEmpty()) {
                out.println();
                out.println("Raw Kafka at the login sweep's rates");
                try {
                    login = login.besideRawKafkaAtEachSweepRate(stack.kafkaClientConfig(BusCredentials.ADMIN), runId, options, out);
                } catch (RuntimeException e) {
                    errors.put("login-sweep-raw-kafka", describe(e));
                    out.println("  failed: " + describe(e));
                }
            }
            footprint = footprints.result();
            if (db != null) {
                db.close();
            }
            out.println();
            out.println("Stopping the stack...");
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } finally {
            vertx.closeAndAwait();
        }

        Results results = new Results(startedAt, runId, options, machine(), check, audit, login, footprint, errors);
        out.println();
        ResultTable.print(results, out);
        write(results, options.output());
        out.println();
        out.println("JSON: " + options.output());
        return results;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("kafka", "one KRaft broker inside the benchmark's own JVM (the load generator's)");
        return machine;
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    static void write(Results results, Path output) {
        try {
            Files.createDirectories(output.toAbsolutePath().getParent());
            JSON.writeValue(output.toFile(), results);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + output, e);
        }
    }
}
