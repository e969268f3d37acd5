package io.keystep.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceProcessTest {

    private static final Path JAR = Path.of("/srv/keystep/risk-service/target/quarkus-app/quarkus-run.jar");
    private static final Path LOG = Path.of("/var/log/keystep/risk-service.log");

    @Test
    void runsTheSerialCollectorAndLogsEveryPauseBesideTheServicesLog() {
        List<String> command = ServiceProcess.command(JAR, LOG, null);

        assertAll(
                () -> assertTrue(command.contains("-XX:+UseSerialGC"), command.toString()),
                () -> assertTrue(command.contains("-Xlog:gc:file=/var/log/keystep/risk-service.gc.log:timemillis"),
                        command.toString()),
                () -> assertEquals(List.of("-jar", JAR.toString()), command.subList(command.size() - 2, command.size())));
    }

    @Test
    void extraOptionsComeAfterTheDefaultsAndMayChooseAnotherCollector() {
        List<String> command = ServiceProcess.command(JAR, LOG, "  -Xmx1g   -XX:+UseParallelGC ");

        assertAll(
                () -> assertFalse(command.contains("-XX:+UseSerialGC"), "the JVM refuses two collectors: " + command),
                () -> assertTrue(command.indexOf("-Xmx1g") > command.indexOf("-Xmx384m"), "the later -Xmx wins"),
                () -> assertTrue(command.contains("-XX:+UseParallelGC")),
                () -> assertFalse(command.contains(""), "blank options are dropped: " + command));
    }

    @Test
    void anOptionThatChoosesNoCollectorKeepsTheDefault() {
        List<String> command = ServiceProcess.command(JAR, LOG, "-XX:+UseStringDeduplication -XX:+UseNUMA");

        assertTrue(command.contains("-XX:+UseSerialGC"), command.toString());
    }
}
