package io.keystep.benchmarks;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        assertEquals(ROOT.resolve("benchmarks/target/benchmark-results.json"), options.output());
    }

    @Test
    void optionsOverrideTheDefaults() {
        BenchmarkOptions options = BenchmarkOptions.parse(List.of("--only=login", "--login-rate=200",
                "--login-seconds=5", "--check-rate=0", "--output=/tmp/out.json"), ROOT);
        assertEquals(Set.of("login"), options.only());
        assertEquals(1000, options.loginCount());
        assertEquals(0, options.checkRate());
        assertEquals(Path.of("/tmp/out.json"), options.output());
    }

    @Test
    void unknownOrMalformedOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--speed=11"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--login-rate=fast"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--login-rate=0"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("--only=speed"), ROOT));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.parse(List.of("login"), ROOT));
    }
}
