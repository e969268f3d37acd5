package io.keystep.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one benchmark run does. Every option has a default that gives the documented figures; the smoke test turns
 * them down to seconds.
 *
 * @param only               which benchmarks to run: check, login, audit (footprint is always measured)
 * @param checkClients       concurrent clients of each closed loop (check, trivial endpoint, Redis script)
 * @param checkDuration      how long each closed loop is measured
 * @param warmup             how long each closed loop runs unmeasured first, so that the services' JIT is warm;
 *                           for logins the least warm-up
 * @param warmupMax          the most login warm-up: past {@code warmup}, logins go on in rounds until the services'
 *                           JIT compilers are quiet (see {@link LoginLatencyBenchmark}), but no longer than this
 *                           (wall time: enrolling each round's users and awaiting its messages count)
 * @param warmupRate         logins per second of the warm-up; 0 for the login rate
 * @param checkMaxVerifications ceiling on the verifications prepared for the check loop
 * @param checkRate          checks per second of the fixed-rate (open loop) check run, and the rate of its round trips
 *                           measured alone; 0 leaves them out
 * @param loginRate          logins published per second
 * @param loginDuration      how long logins are published
 * @param loginSweep         lower login rates measured before {@code loginRate}, each for {@code sweepDuration},
 *                           to find the highest rate this machine keeps within the latency goal; empty for none
 * @param sweepDuration      how long each rate of the sweep is published
 * @param drainTimeout       how long to wait, after the last login, for messages still on their way
 * @param auditEvents        events published for the audit ingest figure
 * @param output             where the JSON goes
 */
public record BenchmarkOptions(Set<String> only, int checkClients, Duration checkDuration, Duration warmup,
                               Duration warmupMax, int warmupRate, int checkMaxVerifications, int checkRate, int loginRate,
                               Duration loginDuration, List<Integer> loginSweep, Duration sweepDuration,
                               Duration drainTimeout, int auditEvents, Path output) {

    public static final Set<String> ALL = Set.of("check", "login", "audit");

    static final String USAGE = """
            Options (all optional):
              --only=check,login,audit        benchmarks to run (default: all three; footprint always)
              --check-clients=32              concurrent clients of each closed loop
              --check-seconds=10              measured duration of each closed loop
              --warmup-seconds=10             unmeasured run before each loop and Kafka client, least login warm-up
              --warmup-max-seconds=180        most login warm-up: rounds go on until the services' JIT is quiet
              --warmup-rate=0                 logins/s of the warm-up (0: the login rate)
              --check-max-verifications=50000 ceiling on verifications prepared for the check loop
              --check-rate=2000               checks/s of the fixed-rate check and its round trips (0: none)
              --login-rate=1000               logins per second (and raw Kafka records per second)
              --login-seconds=60              how long logins (and raw Kafka records) are published
              --login-sweep=100,200,300,400   lower login rates measured first (empty: none)
              --sweep-seconds=20              how long each rate of the sweep is published
              --drain-seconds=60              wait for late messages after the last login
              --audit-events=50000            events published for the audit ingest figure
              --output=benchmarks/target/benchmark-results.json
            """;

    /** The documented defaults. */
    public static BenchmarkOptions defaults() {
        return new BenchmarkOptions(ALL, 32, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(180),
                0, 50_000, 2000, 1000, Duration.ofSeconds(60), List.of(100, 200, 300, 400), Duration.ofSeconds(20),
                Duration.ofSeconds(60), 50_000,
                Path.of("benchmarks/target/benchmark-results.json"));
    }

    /** Whether the arguments ask for the options' description ({@code --help} or {@code -h}) rather than a run. */
    public static boolean asksForUsage(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    /** Parses {@code --name=value} arguments over the defaults; unknown options are an error. */
    public static BenchmarkOptions parse(List<String> args, Path root) {
        Map<String, String> given = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got '" + arg + "'\n" + USAGE);
            }
            given.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        BenchmarkOptions d = defaults();
        Set<String> only = given.containsKey("only") ? Set.of(given.remove("only").split(",")) : d.only();
        if (!ALL.containsAll(only)) {
            throw new IllegalArgumentException("--only takes check, login and audit\n" + USAGE);
        }
        String output = given.remove("output");
        List<Integer> sweep = given.containsKey("login-sweep") ? rates(given.remove("login-sweep")) : d.loginSweep();
        Duration warmup = Duration.ofSeconds(nonNegative(given, "warmup-seconds", (int) d.warmup().toSeconds()));
        Duration warmupMax = Duration.ofSeconds(nonNegative(given, "warmup-max-seconds",
                (int) d.warmupMax().toSeconds()));
        BenchmarkOptions options = new BenchmarkOptions(only,
                positive(given, "check-clients", d.checkClients()),
                Duration.ofSeconds(positive(given, "check-seconds", (int) d.checkDuration().toSeconds())),
                warmup,
                warmupMax.compareTo(warmup) < 0 ? warmup : warmupMax,
                nonNegative(given, "warmup-rate", d.warmupRate()),
                positive(given, "check-max-verifications", d.checkMaxVerifications()),
                nonNegative(given, "check-rate", d.checkRate()),
                positive(given, "login-rate", d.loginRate()),
                Duration.ofSeconds(positive(given, "login-seconds", (int) d.loginDuration().toSeconds())),
                sweep,
                Duration.ofSeconds(positive(given, "sweep-seconds", (int) d.sweepDuration().toSeconds())),
                Duration.ofSeconds(positive(given, "drain-seconds", (int) d.drainTimeout().toSeconds())),
                positive(given, "audit-events", d.auditEvents()),
                output == null ? root.resolve(d.output()) : Path.of(output).toAbsolutePath());
        if (!given.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + given.keySet() + "\n" + USAGE);
        }
        return options;
    }

    /** The sweep's rates below the login rate (higher ones would only repeat, or overshoot, the main run). */
    public List<Integer> sweepRates() {
        return loginSweep.stream().filter(rate -> rate < loginRate).toList();
    }

    /** Logins per second of the login warm-up. */
    public int loginWarmupRate() {
        return warmupRate > 0 ? warmupRate : loginRate;
    }

    /** Logins (and raw Kafka records) the login benchmark publishes. */
    public int loginCount() {
        return FixedRate.count(loginRate, loginDuration);
    }

    /** A comma-separated list of positive rates, in ascending order; empty for none. */
    private static List<Integer> rates(String raw) {
        if (raw.isBlank()) {
            return List.of();
        }
        List<Integer> rates = new java.util.ArrayList<>();
        for (String part : raw.split(",")) {
            try {
                int rate = Integer.parseInt(part.strip().replace("_", ""));
                if (rate <= 0) {
                    throw new IllegalArgumentException("--login-sweep takes positive rates, got '" + part + "'");
                }
                rates.add(rate);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--login-sweep takes whole numbers, got '" + part + "'");
            }
        }
        return rates.stream().sorted().distinct().toList();
    }

    private static int positive(Map<String, String> given, String name, int fallback) {
        int value = nonNegative(given, name, fallback);
        if (value == 0) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
        return value;
    }

    private static int nonNegative(Map<String, String> given, String name, int fallback) {
        String raw = given.remove(name);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.replace("_", ""));
            if (value < 0) {
                throw new IllegalArgumentException("--" + name + " must not be negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a whole number, got '" + raw + "'");
        }
    }
}
