package io.keystep.benchmarks;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CpuMeterTest {

    @Test
    void dividesEachPartsTimeByTheOperationsAndKeepsTheJitApart() {
        CpuMeter meter = new CpuMeter(Map.of("challenge-service", 10L), 5432);
        CpuMeter.Snapshot before = new CpuMeter.Snapshot(0, 0, Map.of(
                "10/1", new CpuMeter.Ticks("challenge-service", false, 100),
                "10/2", new CpuMeter.Ticks("challenge-service", true, 50),
                "20/20", new CpuMeter.Ticks(CpuMeter.REDIS, false, 7),
                "30/30", new CpuMeter.Ticks(CpuMeter.THIS_JVM, false, 0)));
        CpuMeter.Snapshot after = new CpuMeter.Snapshot(2_000_000_000L, 2_000, Map.of(
                "10/1", new CpuMeter.Ticks("challenge-service", false, 250),  // +1.5 s
                "10/2", new CpuMeter.Ticks("challenge-service", true, 100),   // +0.5 s, JIT
                "10/3", new CpuMeter.Ticks("challenge-service", false, 20),   // a new thread: +0.2 s
                "20/20", new CpuMeter.Ticks(CpuMeter.REDIS, false, 27),       // +0.2 s
                "30/30", new CpuMeter.Ticks(CpuMeter.THIS_JVM, false, 300))); // +3 s, not the platform's
        // thread 10/2's predecessor ended: nothing of it counts

        CpuMeter.Use use = meter.between(before, after, "check", 1000);

        CpuMeter.Part service = use.parts().get("challenge-service");
        assertAll(
                () -> assertEquals(2.0, use.seconds()),
                () -> assertEquals(2.2, service.cpuSeconds(), 1e-9),
                () -> assertEquals(0.5, service.jitSeconds(), 1e-9),
                () -> assertEquals(2.2, service.msPerOperation(), 1e-9),
                () -> assertEquals(0.5, service.jitMsPerOperation(), 1e-9),
                () -> assertEquals(0.2, use.parts().get(CpuMeter.REDIS).msPerOperation(), 1e-9),
                () -> assertEquals(3.0, use.parts().get(CpuMeter.THIS_JVM).msPerOperation(), 1e-9),
                () -> assertEquals(2.4, use.platformMsPerOperation(), 1e-9, "services and Redis, not the benchmark"),
                () -> assertEquals(1.9, use.platformMsPerOperationWithoutJit(), 1e-9),
                () -> assertEquals(1.2, use.platformCoresBusy(), 1e-9),
                () -> assertEquals(0.5 / 2.2, meter.servicesJitShare(use), 1e-9,
                        "the services' compilers against the services alone"));
    }

    @Test
    void readsThisProcesssCpuTimeFromProc() {
        assumeTrue(CpuMeter.available(), "/proc is readable (Linux)");
        CpuMeter meter = new CpuMeter(Map.of(), 0);
        CpuMeter.Snapshot before = meter.snapshot();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        long spin = 0;
        while (threads.getCurrentThreadCpuTime() - start < 300_000_000L) {
            spin += Long.numberOfTrailingZeros(spin + System.nanoTime());
        }
        CpuMeter.Use use = meter.between(before, meter.snapshot(), "spin", 1);

        assertTrue(spin >= 0);
        double seconds = use.parts().get(CpuMeter.THIS_JVM).cpuSeconds();
        assertTrue(seconds >= 0.25, "0.3 s of this thread's CPU appear in /proc, read " + seconds + " s");
    }
}
