package io.keystep.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * One packaged Quarkus service running as its own process, its output in a log file. It answers its API on one port
 * and its health, metrics and API description on another, the management port.
 */
public final class ServiceProcess implements AutoCloseable {

    /** The environment variable whose JVM options are added to every service's command line. */
    public static final String JAVA_OPTS_ENV = "KEYSTEP_JAVA_OPTS";

    private final String name;
    private final int port;
    private final int managementPort;
    private final Process process;
    private final Path logFile;

    private ServiceProcess(String name, int port, int managementPort, Process process, Path logFile) {
        this.name = name;
        this.port = port;
        this.managementPort = managementPort;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code java -jar <jar>} with the given environment, and any options of {@value #JAVA_OPTS_ENV}; output
     * goes to {@code logFile}, and the JVM's collections (each pause stamped with the wall clock's milliseconds) to
     * {@link #gcLogFile()} beside it.
     */
    public static ServiceProcess start(String name, Path jar, int port, int managementPort, Map<String, String> env,
                                       Path logFile) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not packaged: " + jar + " is missing (run mvn package)");
        }
        List<String> command = command(jar, logFile, System.getenv(JAVA_OPTS_ENV));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        try {
            Files.createDirectories(logFile.getParent());
            return new ServiceProcess(name, port, managementPort, builder.start(), logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** The command line of a service: this JVM's {@code java}, the defaults, then {@code extra}'s options. */
    static List<String> command(Path jar, Path logFile, String extra) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> extraOptions = extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
        command.add("-Xmx384m");
        // The serial collector unless the extra options choose one (the JVM refuses two).
        if (extraOptions.stream().noneMatch(o -> o.matches("-XX:\\+Use\\w+GC"))) {
            command.add("-XX:+UseSerialGC");
        }
        // Metaspace's first high-water mark is about 21 MB; a Quarkus service loads several times that, and each time
        // its class metadata crosses the mark the serial collector stops the service for a full collection
        // (100-600 ms measured, one of them minutes after start, under load). Starting the mark above what a service
        // loads leaves young collections only. It is a threshold, not memory taken.
        command.add("-XX:MetaspaceSize=256m");
        // One line per collection, stamped in milliseconds since the epoch, so that a pause can be matched with the
        // moment a request was slow (the benchmarks read it so).
        command.add("-Xlog:gc:file=" + gcLogFile(logFile) + ":timemillis");
        // Extra JVM options for every service (a larger heap, a profiler agent, GC logging), after the defaults so
        // that they win; the container image reads JAVA_OPTS_APPEND the same way.
        command.addAll(extraOptions);
        command.add("-jar");
        command.add(jar.toString());
        return command;
    }

    public String name() {
        return name;
    }

    /** Where the service's API answers. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Where the service's health checks, metrics and API description answer. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public Path logFile() {
        return logFile;
    }

    /** Where the JVM logs its collections: {@code <name>.gc.log} beside the service's log. */
    public Path gcLogFile() {
        return gcLogFile(logFile);
    }

    private static Path gcLogFile(Path logFile) {
        String name = logFile.getFileName().toString();
        return logFile.resolveSibling(name.replaceFirst("\\.log$", "") + ".gc.log");
    }

    /**
     * Waits until the service's readiness check (on the management port) answers 200, or fails with the end of its
     * log.
     */
    public void awaitReady(Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            try {
                process.waitFor(250, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + ":\n" + logTail());
    }

    /**
     * Waits for the process to end by itself: its exit code, or empty if it still runs after {@code timeout} (it is
     * left running; {@link #close()} stops it).
     */
    public OptionalInt awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name + " to exit", e);
        }
    }

    /** The whole log of the service. */
    public String log() {
        try {
            return Files.readString(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + logFile, e);
        }
    }

    /** The last lines of the service's log, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Asks the service to shut down gracefully (SIGTERM), then forces it after 20 seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
