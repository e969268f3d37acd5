package io.keystep.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * The stop-the-world collections of every JVM in a run, per window: how many, the longest, and their total. Each
 * service logs its collections with wall-clock milliseconds ({@code -Xlog:gc:file=…:timemillis}, see
 * {@code ServiceProcess}); this JVM (the Kafka broker and the load generator) is told to log the same way when the run
 * starts. A pause stops every request in flight in that JVM, so a tail latency can be read beside the longest pause
 * of each part it crossed.
 */
final class GcPauses {

    /** One pause: when it ended (epoch milliseconds) and how long it lasted. */
    record Pause(long endedAtMs, double ms) {
    }

    /** A part's pauses in a window. */
    record Summary(int pauses, double longestMs, double totalMs) {
    }

    /** {@code [1763875200123ms] GC(12) Pause Young (Allocation Failure) 95M->11M(362M) 9.068ms}. */
    private static final Pattern PAUSE = Pattern.compile("^\\[(\\d+)ms\\].*\\bPause\\b.*?(\\d+(?:\\.\\d+)?)ms$");

    private final Map<String, Path> logs;

    /** {@code logs}: each part's GC log, by the part's name. */
    GcPauses(Map<String, Path> logs) {
        this.logs = new LinkedHashMap<>(logs);
    }

    /**
     * Starts this JVM's GC log at {@code file}, stamped like the services' (the diagnostic command behind
     * {@code jcmd VM.log}); false when this JVM does not offer it, and this JVM's pauses are then not reported.
     */
    static boolean logThisJvm(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmLog",
                    new Object[]{new String[]{"output=file=" + file.toAbsolutePath(), "what=gc",
                            "decorators=timemillis"}},
                    new String[]{String[].class.getName()});
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Each part's pauses that ended in {@code [fromMs, toMs]}; a part whose log cannot be read is left out. */
    Map<String, Summary> between(long fromMs, long toMs) {
        Map<String, Summary> parts = new LinkedHashMap<>();
        logs.forEach((part, log) -> {
            try {
                parts.put(part, summarise(parse(Files.readAllLines(log)), fromMs, toMs));
            } catch (IOException e) {
                // not written yet, or gone: nothing to report for this part
            }
        });
        return parts;
    }

    static List<Pause> parse(List<String> lines) {
        List<Pause> pauses = new ArrayList<>();
        for (String line : lines) {
            Matcher m = PAUSE.matcher(line);
            if (m.matches()) {
                pauses.add(new Pause(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2))));
            }
        }
        return pauses;
    }

    static Summary summarise(List<Pause> pauses, long fromMs, long toMs) {
        int count = 0;
        double longest = 0;
        double total = 0;
        for (Pause pause : pauses) {
            if (pause.endedAtMs() >= fromMs && pause.endedAtMs() <= toMs) {
                count++;
                longest = Math.max(longest, pause.ms());
                total += pause.ms();
            }
        }
        return new Summary(count, ClosedLoop.round(longest), ClosedLoop.round(total));
    }
}
