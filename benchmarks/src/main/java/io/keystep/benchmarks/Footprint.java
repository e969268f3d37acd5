package io.keystep.benchmarks;

import io.keystep.deploy.LocalStack;
import io.keystep.deploy.ServiceProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each service's start-up time and resident memory. The services are this process's children (the local stack
 * starts them with {@code java -jar <service>/target/quarkus-app/quarkus-run.jar}); their resident set is read from
 * {@code /proc/<pid>/status} (VmRSS), idle once and sampled every 250 ms while a benchmark loads them.
 */
final class Footprint implements AutoCloseable {

    /** One service: when it started, how long it took to be ready, and its resident memory in MiB. */
    record Service(String name, long pid, Double quarkusStartedInSeconds, Long processToReadyMs, Double idleRssMb,
                   Map<String, Double> peakRssUnderLoadMb) {
    }

    private static final Pattern STARTED = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}) .* started in ([0-9.]+)s\\.");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    private final Map<String, Long> pids = new LinkedHashMap<>();
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final Map<String, Double> idle = new LinkedHashMap<>();
    private final Map<String, Map<String, Double>> peaks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "rss-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private volatile String phase;

    Footprint(LocalStack stack) {
        List<ProcessHandle> children = ProcessHandle.current().children().toList();
        for (ServiceProcess service : stack.services()) {
            if (service.name().equals(LocalStack.CONSOLE)) {
                // the operators' pages are no part of a login or a check: neither their memory nor their CPU counts
                continue;
            }
            String jar = service.name() + "/target/quarkus-app/quarkus-run.jar";
            children.stream()
                    .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(jar)).orElse(false)
                            || p.info().commandLine().map(c -> c.contains(jar)).orElse(false))
                    .findFirst()
                    .ifPresent(p -> pids.put(service.name(), p.pid()));
            services.put(service.name(), service);
        }
        sampler.scheduleAtFixedRate(this::sample, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** Each service's process id, as found among this process's children, in the order the services started. */
    Map<String, Long> pids() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pids));
    }

    /** Records every service's resident memory now, as its idle figure. */
    void measureIdle() {
        pids.forEach((name, pid) -> rssMb(pid).ifPresent(mb -> idle.put(name, mb)));
    }

    /** From now on, samples count as the peak of {@code name} (until the next call; null stops sampling). */
    void loadPhase(String name) {
        phase = name;
    }

    private void sample() {
        String current = phase;
        if (current == null) {
            return;
        }
        pids.forEach((name, pid) -> rssMb(pid).ifPresent(mb ->
                peaks.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).merge(current, mb, Math::max)));
    }

    List<Service> result() {
        return services.values().stream().map(service -> {
            Long pid = pids.get(service.name());
            Optional<ProcessHandle> handle = pid == null ? Optional.empty() : ProcessHandle.of(pid);
            Optional<Instant> processStart = handle.flatMap(h -> h.info().startInstant());
            Double startedIn = null;
            Long toReady = null;
            Matcher line = startedLine(service.logFile());
            if (line != null) {
                startedIn = Double.parseDouble(line.group(2));
                try {
                    Instant ready = LocalDateTime.parse(line.group(1), LOG_TIME).atZone(ZoneId.systemDefault())
                            .toInstant();
                    toReady = processStart.map(start -> ready.toEpochMilli() - start.toEpochMilli()).orElse(null);
                } catch (DateTimeParseException e) {
                    toReady = null;
                }
            }
            return new Service(service.name(), pid == null ? -1 : pid, startedIn, toReady, idle.get(service.name()),
                    new LinkedHashMap<>(peaks.getOrDefault(service.name(), Map.of())));
        }).toList();
    }

    /** Quarkus's "started in 1.234s" line: its time stamp and the figure. */
    private static Matcher startedLine(Path log) {
        try (var lines = Files.lines(log)) {
            return lines.map(STARTED::matcher).filter(Matcher::find).findFirst().orElse(null);
        } catch (IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    static Optional<Double> rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return Optional.of(Math.round(kb / 102.4) / 10.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not on Linux, or the process is gone: no figure
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
