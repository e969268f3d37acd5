package io.keystep.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GcPausesTest {

    /** Lines as the serial, parallel and G1 collectors write them with {@code -Xlog:gc:...:timemillis}. */
    private static final List<String> LOG = List.of(
            "[1000ms] Using Serial",
            "[2000ms] GC(0) Pause Young (Allocation Failure) 95M->11M(362M) 9.068ms",
            "[3000ms] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 317M->81M(400M) 3.077ms",
            "[3500ms] GC(2) Pause Young (Concurrent Start) (Metadata GC Threshold) 40M->12M(388M) 12ms",
            "[3600ms] GC(2) Concurrent Mark Cycle",
            "[3700ms] GC(2) Pause Remark 50M->50M(388M) 1.500ms",
            "[3800ms] GC(2) Concurrent Mark Cycle 210.456ms",
            "[4000ms] GC(3) Pause Full (Ergonomics) 200M->150M(362M) 120.000ms");

    @Test
    void readsEveryPauseAndNothingElse() {
        List<GcPauses.Pause> pauses = GcPauses.parse(LOG);

        assertEquals(List.of(new GcPauses.Pause(2000, 9.068), new GcPauses.Pause(3000, 3.077),
                new GcPauses.Pause(3500, 12), new GcPauses.Pause(3700, 1.5), new GcPauses.Pause(4000, 120)), pauses,
                "the concurrent cycle runs beside the application and is not a pause");
    }

    @Test
    void countsThePausesThatEndedInTheWindowOnly() {
        GcPauses.Summary window = GcPauses.summarise(GcPauses.parse(LOG), 3000, 3700);

        assertAll(
                () -> assertEquals(3, window.pauses(), "both ends are inside"),
                () -> assertEquals(12.0, window.longestMs()),
                () -> assertEquals(16.58, window.totalMs(), 1e-9));
    }

    @Test
    void logsThisJvmsOwnPausesAndReportsThemPerPart(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("this-jvm.gc.log");
        assertTrue(GcPauses.logThisJvm(log), "this JVM accepts the VM.log diagnostic command");
        Path service = dir.resolve("challenge-service.gc.log");
        Files.write(service, LOG);
        GcPauses gc = new GcPauses(Map.of(CpuMeter.THIS_JVM, log, "challenge-service", service,
                "audit-service", dir.resolve("missing.gc.log")));

        long from = System.currentTimeMillis();
        System.gc();
        Map<String, GcPauses.Summary> parts = gc.between(from, System.currentTimeMillis());

        assertAll(
                () -> assertTrue(parts.get(CpuMeter.THIS_JVM).pauses() >= 1, "System.gc() paused this JVM: " + parts),
                () -> assertEquals(new GcPauses.Summary(0, 0, 0), parts.get("challenge-service"),
                        "that log's pauses are long past"),
                () -> assertEquals(false, parts.containsKey("audit-service"), "an unreadable log reports nothing"));
    }
}
