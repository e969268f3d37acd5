package io.keystep.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every benchmark, for a few seconds at a low rate, on a stack of its own: each must produce its figures. Nothing
 * here looks at how fast anything was; figures are printed, never judged by a test.
 */
class BenchmarkSmokeIT {

    @Test
    void everyBenchmarkProducesItsFiguresAndWritesThemAsJson() throws Exception {
        Path root = Path.of(System.getProperty("keystep.root", "..")).toAbsolutePath().normalize();
        Path output = root.resolve("benchmarks/target/benchmark-smoke-results.json");
        Files.deleteIfExists(output);
        // Enough verifications that the warm-up and the loop (3 s) cannot spend every one's five checks even at
        // thousands of checks a second: a spent one answers 409, and the wrong codes must be judged pending.
        BenchmarkOptions options = BenchmarkOptions.parse(List.of(
                "--check-clients=4", "--check-seconds=2", "--warmup-seconds=1", "--check-max-verifications=2000",
                "--check-rate=20",
                "--login-rate=20", "--login-seconds=3", "--login-sweep=10", "--sweep-seconds=2",
                "--warmup-max-seconds=2", "--drain-seconds=30", "--audit-events=200",
                "--output=" + output), root);

        BenchmarkRun.Results results = BenchmarkRun.run(root, options, System.out);

        assertEquals(java.util.Map.of(), results.errors(), "every benchmark ran");
        CheckBenchmark.Result check = results.check();
        LoginLatencyBenchmark.Result login = results.login();
        AuditIngestBenchmark.Result audit = results.audit();
        assertAll(
                () -> assertTrue(check.check().requests() > 0, "checks answered"),
                () -> assertTrue(check.check().outcomes().getOrDefault("200 pending", 0L) > 0,
                        "wrong codes were judged pending: " + check.check().outcomes()),
                () -> assertTrue(check.checkAtFixedRate().requests() > 0, "checks at a fixed rate answered"),
                () -> assertTrue(check.trivial().requests() > 0, "trivial endpoint answered"),
                () -> assertEquals(40, check.kafkaAckAtFixedRate().acknowledged(),
                        "every record of the Kafka acknowledgement floor (20/s for 2 s) acknowledged"),
                () -> assertTrue(check.kafkaAckAtFixedRate().latency().p99Ms() > 0, "the floor's latency"),
                () -> assertNoErrors(check.check()),
                () -> assertNoErrors(check.checkAtFixedRate()),
                () -> assertEquals(40, check.trivialAtFixedRate().requests(), "the HTTP round trip at the fixed rate"),
                () -> assertNoErrors(check.trivialAtFixedRate()),
                () -> assertEquals(40, check.redisEvalshaAtFixedRate().requests(),
                        "the Redis round trip at the fixed rate"),
                () -> assertNoErrors(check.redisEvalshaAtFixedRate()),
                () -> assertTrue(check.partsP99SumMs() > check.kafkaAckAtFixedRate().latency().p99Ms(),
                        "the round trips' p99s added include the acknowledgement's"),
                () -> assertEquals(Set.of("pending"), check.redisEvalsha().outcomes().keySet(),
                        "every EVALSHA took the wrong-code path"),
                () -> assertEquals(Set.of("pending"), check.redisEval().outcomes().keySet(),
                        "every EVAL took the wrong-code path"),
                () -> assertEquals(60, login.logins()),
                () -> assertEquals(60, login.enrolled(), "every user enrolled"),
                () -> assertEquals(0, login.missing(), "no login lost at a low rate"),
                () -> assertEquals(60, login.loginToSms().count()),
                () -> assertEquals(60, login.rawKafka().received(), "every raw Kafka record consumed"),
                () -> assertTrue(login.warmUp().rounds() >= 1 && login.warmUp().rounds() <= 2,
                        "one warm-up round of a second, a second if the compilers were busy: " + login.warmUp()),
                () -> assertEquals(20L * login.warmUp().rounds(), login.warmUp().logins()),
                () -> assertEquals(LoginLatencyBenchmark.FIRST_LOGINS, login.firstLogins().size()),
                () -> login.firstLogins().forEach(first -> assertTrue(first.toRiskAssessedMs() > 0
                                && first.toChallengeIssuedMs() > 0 && first.toSmsMs() > 0,
                        "each first login reached every stage: " + first)),
                () -> assertEquals(1, login.sweep().size(), "the sweep's one rate"),
                () -> assertEquals(20, login.sweep().get(0).logins(), "10/s for 2 s"),
                () -> assertEquals(0, login.sweep().get(0).missing(), "no sweep login lost at a low rate"),
                () -> assertEquals(20, login.sweep().get(0).loginToSms().count()),
                () -> assertEquals(20, login.sweep().get(0).rawKafka().received(),
                        "raw Kafka at the sweep's rate, as many records as its logins"),
                () -> assertTrue(login.sweep().get(0).p99ToRawKafkaP99() > 0, "the sweep's p99 over raw Kafka's"),
                () -> assertTrue(login.idle().platformCoresBusy() > 0, "the idle platform's CPU: " + login.idle()),
                () -> assertTrue(login.sweep().get(0).platformMsPerLoginAboveIdle()
                                < login.sweep().get(0).cpu().platformMsPerOperation(),
                        "the sweep's CPU per login, less the idle platform's"),
                () -> assertEquals(200, audit.stored(), "every audit event committed"),
                () -> assertTrue(audit.ingestEventsPerSecond() > 0 && audit.insertRowsPerSecond() > 0,
                        "both audit rates measured"),
                () -> assertTrue(check.checkCpu().parts().get("challenge-service").cpuSeconds() > 0,
                        "challenge-service's CPU during the check loop"),
                () -> assertTrue(check.checkCpu().platformMsPerOperation() > 0, "CPU per check"),
                () -> assertTrue(login.cpu().parts().keySet().containsAll(Set.of("risk-service", "challenge-service",
                        "delivery-service", "audit-service", CpuMeter.REDIS, CpuMeter.POSTGRESQL,
                        CpuMeter.THIS_JVM)), "every part's CPU during the login run: " + login.cpu().parts()),
                () -> assertTrue(audit.cpu().parts().get("audit-service").cpuSeconds() > 0,
                        "audit-service's CPU during the burst"),
                () -> assertTrue(check.fixedRateCpu().parts().get("challenge-service").cpuSeconds() > 0,
                        "challenge-service's CPU at the fixed rate"),
                () -> login.cpu().parts().forEach((part, use) -> assertEquals(
                        !part.equals(CpuMeter.REDIS) && !part.equals(CpuMeter.POSTGRESQL), use.gcPauses() != null,
                        "every JVM's GC log read, and only JVMs': " + part + " " + use.gcPauses())),
                () -> assertEquals(4, results.footprint().size()),
                () -> results.footprint().forEach(service -> {
                    assertTrue(service.pid() > 0, service.name() + " found among this process's children");
                    assertNotNull(service.idleRssMb(), service.name() + " idle memory");
                    assertNotNull(service.quarkusStartedInSeconds(), service.name() + " start-up time");
                    assertTrue(service.peakRssUnderLoadMb().containsKey("login"), service.name() + " memory under load");
                }));

        JsonNode json = BenchmarkRun.JSON.readTree(output.toFile());
        assertEquals(results.runId(), json.path("runId").asText());
        assertTrue(json.path("check").path("check").path("requestsPerSecond").asDouble() > 0);
        assertTrue(json.path("login").path("loginToSms").has("p99Ms"));
        assertTrue(json.path("audit").path("ingestEventsPerSecond").asDouble() > 0);
    }

    private static void assertNoErrors(ClosedLoop.Result loop) {
        loop.outcomes().keySet().forEach(outcome -> assertTrue(
                !outcome.startsWith("error") && !outcome.startsWith("5"), "answered without error: " + outcome));
    }
}
