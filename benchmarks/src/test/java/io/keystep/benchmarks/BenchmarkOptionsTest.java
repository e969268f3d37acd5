package io.keystep.benchmarks;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchmarkOptionsTest {

    private static final Path ROOT = Path.of("/repo");

    @Test
    void withoutOptionsTheDocumentedDefaultsApply() {
        BenchmarkOptions options = BenchmarkOptions.parse(List.of(), ROOT);
        assertEquals(Set.of("check", "login", "audit"), options.only());
        assertEquals(1000, options.loginRate());
        assertEquals(Duration.ofSeconds(60), options.loginDuration());
        assertEquals(60_000, options.loginCount());
        assertEquals(2000, options.checkRate());
        assertEquals(List.of(100, 200, 300, 400), options.loginSweep());
        assertEquals(Duration.ofSeconds(180), options.warmupMax());
        assertEquals(1000, options.loginWarmupRate(), "warm-up at the login rate");
        assertEquals(ROOT.resolve("benchmarks/target/benchmark-results.json"), options.output());
    }

    @Test
    void optionsOverrideTheDefaults() {
        BenchmarkOptions options = BenchmarkOptions.parse(List.of("--only=login", "--login-rate=200",
                "--login-seconds=5", "--check-rate=0", "--login-sweep=300,50", "--warmup-seconds=30",
                "--warmup-max-seconds=5", "--warmup-rate=50", "--output=/tmp/out.json"), ROOT);
        assertEquals(Set.of("login"), options.only());
        assertEquals(1000, options.loginCount());
        assertEquals(0, options.checkRate());
        assertEquals(List.of(50, 300), options.loginSweep(), "sweep rates in ascending order");
        assertEquals(List.of(50), options.sweepRates(), "only rates below the login rate of 200");
        assertEquals(Duration.ofSeconds(30), options.warmupMax(), "never less than the least warm-up");
        assertEquals(50, options.loginWarmupRate());
        assertEquals(List.of(), BenchmarkOptions.parse(List.of("--login-sweep="), ROOT).loginSweep());
        assertEquals(Path.of("/tmp/out.json"), options.output());
    }

    @Test
    void helpAsksForTheOptionsRatherThanARun() {
        assertTrue(BenchmarkOptions.asksForUsage(List.of("--help")));
        assertTrue(BenchmarkOptions.asksForUsage(List.of("--login-rate=200", "-h")));
        assertFalse(BenchmarkOptions.asksForUsage(List.of("--login-rate=200")));
        assertTrue(BenchmarkOptions.USAGE.contains("--login-rate=1000"));
    }

    @Test
    void unknownOrMalformedOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--speed=11"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--login-rate=fast"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--login-rate=0"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--only=speed"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("login"), ROOT));
        assertThrows(IllegalArgumentException.class,
                () -> BenchmarkOptions.parse(List.of("--login-sweep=100,0"), ROOT));
        assertThrows(IllegalArgumentException.class,
                () -> BenchmarkOptions.parse(List.of("--login-sweep=100,fast"), ROOT));
    }
}
