package io.keystep.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The CPU time the platform's processes spend, read from {@code /proc} (Linux): each service, and of it the time of
 * its JIT compiler threads; Redis (a descendant of this process) and PostgreSQL (its server detaches from this
 * process, so it is found by the port it listens on) when they run on this machine; and
 * this JVM, which hosts the local Kafka broker and the load generator. Divided by the operations a benchmark did in
 * the same window, it gives the CPU each operation costs each part: a figure that, unlike a rate, does not depend on
 * how many cores the machine has or what else ran beside it, and that sizes a deployment (cores needed = rate ×
 * CPU per operation).
 * <p>
 * A thread or process that ends between two snapshots loses the time it spent after the first (the figures are
 * then slightly low, never high); JIT compiler threads that the JVM starts and stops on demand are the usual case.
 */
final class CpuMeter {

    /** Linux's {@code USER_HZ}: {@code /proc} reports CPU time in these ticks (100 on every mainstream platform). */
    static final double TICKS_PER_SECOND = 100.0;

    static final String THIS_JVM = "benchmark JVM (Kafka broker, load generator)";
    static final String REDIS = "redis";
    static final String POSTGRESQL = "postgresql";

    /** CPU ticks per thread (by process and thread id) and the part each belongs to, and when they were read. */
    record Snapshot(long nanoTime, long epochMs, Map<String, Ticks> threads) {
    }

    /** One thread's CPU ticks, the part it counts for, and whether it is a JIT compiler thread. */
    record Ticks(String part, boolean jit, long ticks) {
    }

    /**
     * One part's CPU in a window: seconds, of which JIT, and per operation; and for a JVM, its collections' pauses in
     * the window ({@code null} for Redis and PostgreSQL, or when the JVM's GC log is not readable).
     */
    record Part(double cpuSeconds, double jitSeconds, double msPerOperation, double jitMsPerOperation,
                GcPauses.Summary gcPauses) {
    }

    /**
     * The CPU of a window: its length, the operations done in it, each part's use, the platform's total per
     * operation (the services, Redis and PostgreSQL; not the benchmark JVM), the same without JIT compilation, and
     * how many cores the platform kept busy on average.
     */
    record Use(String operation, double seconds, long operations, Map<String, Part> parts,
               double platformMsPerOperation, double platformMsPerOperationWithoutJit, double platformCoresBusy) {
    }

    private final Map<String, Long> services;
    private final int postgresPort;
    private final GcPauses gc;

    /**
     * {@code services}: the name and process id of each service process to account for; {@code postgresPort}: the
     * port of the local PostgreSQL server.
     */
    CpuMeter(Map<String, Long> services, int postgresPort) {
        this(services, postgresPort, null);
    }

    /** The same, with each JVM's GC pauses in every window ({@code gc} names the parts as this meter does). */
    CpuMeter(Map<String, Long> services, int postgresPort, GcPauses gc) {
        this.services = new LinkedHashMap<>(services);
        this.postgresPort = postgresPort;
        this.gc = gc;
    }

    /** Whether CPU time can be read here at all. */
    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    Snapshot snapshot() {
        Map<String, Ticks> threads = new HashMap<>();
        services.forEach((name, pid) -> threadsOf(pid, name, true, threads));
        threadsOf(ProcessHandle.current().pid(), THIS_JVM, false, threads);
        try (Stream<ProcessHandle> descendants = ProcessHandle.current().descendants()) {
            descendants.forEach(p -> {
                if (services.containsValue(p.pid())) {
                    return;
                }
                String command = p.info().command().orElse("");
                String name = Path.of(command.isEmpty() ? "-" : command).getFileName().toString();
                if (name.startsWith("redis-server")) {
                    threadsOf(p.pid(), REDIS, false, threads);
                }
            });
        }
        postgresServer().ifPresent(server -> {
            threadsOf(server.pid(), POSTGRESQL, false, threads);
            try (Stream<ProcessHandle> backends = server.descendants()) {
                backends.forEach(b -> threadsOf(b.pid(), POSTGRESQL, false, threads));
            }
        });
        return new Snapshot(System.nanoTime(), System.currentTimeMillis(), threads);
    }

    /** The PostgreSQL server process listening on the stack's port ({@code postgres ... -p <port>}). */
    private Optional<ProcessHandle> postgresServer() {
        String port = Integer.toString(postgresPort);
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                    .filter(p -> p.info().arguments().map(a -> {
                        for (int i = 0; i + 1 < a.length; i++) {
                            if (a[i].equals("-p") && a[i + 1].equals(port)) {
                                return true;
                            }
                        }
                        return false;
                    }).orElse(false))
                    .findFirst();
        }
    }

    /** What happened between two snapshots, per {@code operations} operations of the kind named. */
    Use between(Snapshot before, Snapshot after, String operation, long operations) {
        Map<String, double[]> ticks = new LinkedHashMap<>();
        services.keySet().forEach(name -> ticks.put(name, new double[2]));
        after.threads().forEach((id, now) -> {
            Ticks then = before.threads().get(id);
            long used = now.ticks() - (then == null ? 0 : then.ticks());
            double[] part = ticks.computeIfAbsent(now.part(), p -> new double[2]);
            if (used <= 0) {
                return;
            }
            part[0] += used;
            if (now.jit()) {
                part[1] += used;
            }
        });
        double seconds = (after.nanoTime() - before.nanoTime()) / 1e9;
        long ops = Math.max(1, operations);
        Map<String, GcPauses.Summary> pauses = gc == null ? Map.of() : gc.between(before.epochMs(), after.epochMs());
        Map<String, Part> parts = new LinkedHashMap<>();
        double platform = 0;
        double platformJit = 0;
        for (Map.Entry<String, double[]> e : ticks.entrySet()) {
            double cpu = e.getValue()[0] / TICKS_PER_SECOND;
            double jit = e.getValue()[1] / TICKS_PER_SECOND;
            parts.put(e.getKey(), new Part(ClosedLoop.round(cpu), ClosedLoop.round(jit),
                    ClosedLoop.round(cpu * 1000 / ops), ClosedLoop.round(jit * 1000 / ops), pauses.get(e.getKey())));
            if (!e.getKey().equals(THIS_JVM)) {
                platform += cpu;
                platformJit += jit;
            }
        }
        return new Use(operation, ClosedLoop.round(seconds), operations, parts,
                ClosedLoop.round(platform * 1000 / ops), ClosedLoop.round((platform - platformJit) * 1000 / ops),
                ClosedLoop.round(seconds > 0 ? platform / seconds : 0));
    }

    /**
     * The share of the services' CPU that their JIT compiler threads used in {@code use} (0 when the services used
     * none): a service whose compilers still take a large share is not yet running its steady-state code.
     */
    double servicesJitShare(Use use) {
        double cpu = 0;
        double jit = 0;
        for (String service : services.keySet()) {
            Part part = use.parts().get(service);
            if (part != null) {
                cpu += part.cpuSeconds();
                jit += part.jitSeconds();
            }
        }
        return cpu <= 0 ? 0 : jit / cpu;
    }

    /** Adds every thread of {@code pid} under {@code part}; in a service, compiler threads are marked JIT. */
    private static void threadsOf(long pid, String part, boolean jvm, Map<String, Ticks> into) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        List<Path> ids;
        try (Stream<Path> list = Files.list(tasks)) {
            ids = list.toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return; // gone, or not Linux
        }
        for (Path task : ids) {
            ticksOf(task).ifPresent(t -> into.put(pid + "/" + task.getFileName(),
                    new Ticks(part, jvm && t.compiler(), t.ticks())));
        }
    }

    private record ThreadTicks(boolean compiler, long ticks) {
    }

    /** utime + stime of one thread from its {@code stat}; its name decides whether it is a JIT compiler thread. */
    private static Optional<ThreadTicks> ticksOf(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String name = stat.substring(open + 1, close);
            String[] fields = stat.substring(close + 2).split(" ");
            // after "pid (comm) ": state(0) ... utime(11) stime(12)
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return Optional.of(new ThreadTicks(name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre"),
                    ticks));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
