package io.keystep.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Lua script challenge-service runs for every check, read from the very file the service loads it from, so
 * that the store's ceiling is measured on exactly the script the service runs.
 */
record CheckScript(String text, String origin) {

    static final Path SOURCE = Path.of(
            "challenge-service/src/main/resources/io/keystep/challenge/store/check.lua");

    /**
     * KEYS[1] the challenge; ARGV[1] tenant, ARGV[2] now (epoch ms), ARGV[3] presented digest, ARGV[4] failure
     * window ms, ARGV[5] failures that lock, ARGV[6] first lockout ms, ARGV[7] longest lockout ms, ARGV[8]
     * consecutive failures that suspend.
     */
    static CheckScript load(Path root) {
        Path file = root.resolve(SOURCE);
        try {
            return new CheckScript(Files.readString(file), root.relativize(file).toString());
        } catch (IOException e) {
            throw new UncheckedIOException("the check script is read from the repository: " + file, e);
        }
    }
}
