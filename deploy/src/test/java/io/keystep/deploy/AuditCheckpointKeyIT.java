package io.keystep.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged audit-service requires its checkpoint key pair: started without it, it refuses to start and names the
 * setting; and its jar carries no key of any profile.
 */
class AuditCheckpointKeyIT {

    private static final Path ROOT = Path.of(System.getProperty("keystep.root", "..")).toAbsolutePath().normalize();
    private static final Path APP = ROOT.resolve("audit-service/target/quarkus-app");

    @Test
    void thePackagedServiceRefusesToStartWithoutItsCheckpointKey() throws Exception {
        Path jar = APP.resolve("quarkus-run.jar");
        assertTrue(Files.exists(jar), jar + " is built by the package phase");
        Path log = Files.createTempFile("audit-no-key", ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("KEYSTEP_AUDIT_CHECKPOINT"));
        builder.environment().put("QUARKUS_HTTP_PORT", "0");
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "the service should stop, not run: "
                    + Files.readString(log));
            String output = Files.readString(log);
            assertNotEquals(0, process.exitValue(), output);
            assertTrue(output.contains("keystep.audit.checkpoint.private-key"), output);
            assertTrue(output.contains("keystep.audit.checkpoint.public-key"), output);
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void theJarCarriesNoCheckpointKey() throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(APP.resolve("app"))) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar")).toList();
        }
        assertFalse(jars.isEmpty(), "the service's own jar is under " + APP.resolve("app"));
        for (Path path : jars) {
            try (JarFile jar = new JarFile(path.toFile())) {
                var entry = jar.getJarEntry("application.properties");
                if (entry == null) {
                    continue;
                }
                String properties = new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
                assertFalse(properties.lines().anyMatch(line -> line.matches(
                                "^\\s*(%[\\w-]+\\.)?keystep\\.audit\\.checkpoint\\.(private|public)-key\\s*=(?!\\s*\\$\\{\\w+}\\s*$).*")),
                        path + " holds a checkpoint key (a reference to an environment variable is none)");
            }
        }
    }
}
