package io.keystep.benchmarks;

import java.io.PrintStream;
import java.util.Map;

/** The figures as a plain-text table, each beside the limit it is compared with. */
final class ResultTable {

    private ResultTable() {
    }

    static void print(BenchmarkRun.Results r, PrintStream out) {
        out.println("Keystep benchmark " + r.runId() + " on " + r.machine().get("cores") + " cores, "
                + r.machine().get("java"));
        if (r.check() != null) {
            CheckBenchmark.Result c = r.check();
            out.println();
            out.printf("1. Check: closed loop, %d clients, %.0f s each, %d verifications x %d checks%n", c.clients(),
                    c.secondsEach(), c.verifications(), c.budgetPerVerification());
            out.printf("   %-46s %10s %9s %9s %9s%n", "", "req/s", "p50 ms", "p99 ms", "p99.9 ms");
            loop(out, "POST /v1/verifications/{id}/check", c.check());
            if (c.checkAtFixedRate() != null) {
                loop(out, "  the same at a fixed " + c.fixedRatePerSecond() + "/s (open loop)", c.checkAtFixedRate());
                if (c.kafkaAckAtFixedRate() != null) {
                    out.printf("   %-46s%n", "  each round trip a check makes, alone at " + c.fixedRatePerSecond()
                            + "/s:");
                    loop(out, "    " + c.trivialEndpoint() + " (HTTP)", c.trivialAtFixedRate());
                    loop(out, "    Redis check script, EVALSHA", c.redisEvalshaAtFixedRate());
                    KafkaAckLatency.Result ack = c.kafkaAckAtFixedRate();
                    out.printf("   %-46s %10d %9.2f %9.2f %9.2f%n", "    Kafka produce -> acknowledgement",
                            c.fixedRatePerSecond(), ack.latency().p50Ms(), ack.latency().p99Ms(),
                            ack.latency().p999Ms());
                    out.printf("   check p99 at %d/s = %.2f ms; the three round trips' p99s added = %.2f ms%n",
                            c.fixedRatePerSecond(), c.checkAtFixedRate().latency().p99Ms(), c.partsP99SumMs());
                }
            }
            loop(out, c.trivialEndpoint() + " (framework ceiling)", c.trivial());
            loop(out, "Redis check script, EVALSHA (store ceiling)", c.redisEvalsha());
            loop(out, "Redis check script, EVAL (the NOSCRIPT fallback)", c.redisEval());
            out.printf("   check / trivial endpoint = %.3f, check / Redis EVALSHA = %.3f; outcomes %s%s%n",
                    c.checkToTrivialThroughput(), c.checkToRedisEvalshaThroughput(), c.check().outcomes(),
                    c.exhaustedChecks() > 0 ? " (" + c.exhaustedChecks() + " found a spent budget)" : "");
            cpu(out, c.checkCpu());
            if (c.checkAtFixedRate() != null) {
                cpu(out, c.fixedRateCpu(), "check at " + c.fixedRatePerSecond() + "/s");
            }
            cpu(out, c.trivialCpu());
        }
        if (r.login() != null) {
            LoginLatencyBenchmark.Result l = r.login();
            out.println();
            out.printf("2. Login -> SMS: %d logins at %d/s for %.0f s, one user and phone each%n", l.logins(),
                    l.ratePerSecond(), l.seconds());
            out.printf("   %-46s %10s %9s %9s %9s%n", "", "count", "p50 ms", "p99 ms", "max ms");
            for (Map.Entry<String, Latency> stage : l.stages().entrySet()) {
                latency(out, stage.getKey(), stage.getValue().count(), stage.getValue());
            }
            latency(out, "raw Kafka produce -> consume, same rate", l.rawKafka().received(), l.rawKafka().latency());
            out.printf("   logins without a message: %d; p99 / raw Kafka p99 = %.1f%n", l.missing(),
                    l.p99ToRawKafkaP99());
            cpu(out, l.cpu());
            out.printf("   %-46s %10s %9s %9s %9s%n", "first logins after start, one at a time", "",
                    "-> risk", "-> issued", "-> SMS");
            for (int i = 0; i < l.firstLogins().size(); i++) {
                LoginLatencyBenchmark.FirstLogin f = l.firstLogins().get(i);
                out.printf("   %-46s %10s %9.1f %9.1f %9.1f%n", "  login " + (i + 1) + " (ms from its timestamp)", "",
                        f.toRiskAssessedMs(), f.toChallengeIssuedMs(), f.toSmsMs());
            }
            LoginLatencyBenchmark.WarmUp w = l.warmUp();
            out.printf("   warm-up: %d logins at %d/s in %d rounds, %.0f s; JIT %.0f%% of the services' CPU in the last"
                            + " round%s%n", w.logins(), w.ratePerSecond(), w.rounds(), w.seconds(), w.lastJitShare() * 100,
                    w.settled() ? "" : " (not yet settled: the figures include compiling)");
            if (!l.sweep().isEmpty()) {
                out.printf("   %-46s %10s %9s %9s %9s %9s %10s %9s %7s%n", "login -> SMS sink at lower rates",
                        "missing", "p50 ms", "p99 ms", "max ms", "ms CPU", "above idle", "raw p99", "p99/raw");
                for (LoginLatencyBenchmark.Step step : l.sweep()) {
                    // No raw Kafka when its run at the end failed (the run's errors say why): the rest still prints.
                    boolean raw = step.rawKafka() != null;
                    out.printf("   %-46s %10d %9.2f %9.2f %9.2f %9.3f %10.3f %9s %7s%n",
                            String.format("%d logins/s (%d logins)", step.ratePerSecond(), step.logins()),
                            step.missing(), step.loginToSms().p50Ms(), step.loginToSms().p99Ms(),
                            step.loginToSms().maxMs(), step.cpu().platformMsPerOperation(),
                            step.platformMsPerLoginAboveIdle(),
                            raw ? String.format("%.2f", step.rawKafka().latency().p99Ms()) : "-",
                            raw ? String.format("%.1f", step.p99ToRawKafkaP99()) : "-");
                }
                out.printf("   (ms CPU: the platform's per login, and the same less what it spends idle: %.2f cores"
                        + " with no load; the benchmark JVM's comes on top. raw p99: Kafka produce -> consume at the"
                        + " same rate, measured at the end of the run)%n", l.idle().platformCoresBusy());
            }
        }
        if (r.audit() != null) {
            AuditIngestBenchmark.Result a = r.audit();
            out.println();
            out.printf("3. Audit ingest: %d events%n", a.events());
            out.printf("   %-46s %10s %9s%n", "", "events/s", "seconds");
            out.printf("   %-46s %10.0f %9.2f%n", "topic -> committed rows (audit-service)", a.ingestEventsPerSecond(),
                    a.ingestSeconds());
            out.printf("   %-46s %10.0f %9.2f%n", "plain batched INSERT, same rows", a.insertRowsPerSecond(),
                    a.insertSeconds());
            out.printf("   ingest / plain INSERT = %.2f (%d of %d stored; baseline table: %s)%n", a.ingestToInsert(),
                    a.stored(), a.events(), a.baseline());
            cpu(out, a.cpu());
        }
        out.println();
        out.println("4. Footprint (the four services started side by side)");
        out.printf("   %-18s %12s %14s %12s  %s%n", "", "started in s", "process->ready", "RSS idle MB",
                "RSS peak MB under load");
        for (Footprint.Service s : r.footprint()) {
            out.printf("   %-18s %12s %14s %12s  %s%n", s.name(), s.quarkusStartedInSeconds(),
                    s.processToReadyMs() == null ? "-" : s.processToReadyMs() + " ms", s.idleRssMb(),
                    s.peakRssUnderLoadMb());
        }
        for (Map.Entry<String, String> error : r.errors().entrySet()) {
            out.println("   NOT MEASURED " + error.getKey() + ": " + error.getValue());
        }
    }

    /** What each part spent per operation in the measured window, the JIT's share apart. */
    static void cpu(PrintStream out, CpuMeter.Use use) {
        if (use != null) {
            cpu(out, use, use.operation());
        }
    }

    /**
     * The same, titled "CPU per {@code what}"; beside each JVM, the collections that paused it in the window: how
     * many, and the longest (a request in flight in that JVM waited that long).
     */
    static void cpu(PrintStream out, CpuMeter.Use use, String what) {
        if (use == null) {
            return;
        }
        out.printf("   %-46s %10s %9s %10s %11s%n", String.format("CPU per %s (%d in %.1f s)", what,
                use.operations(), use.seconds()), "ms/" + use.operation(), "of it JIT", "GC pauses", "longest ms");
        for (Map.Entry<String, CpuMeter.Part> part : use.parts().entrySet()) {
            GcPauses.Summary gc = part.getValue().gcPauses();
            out.printf("     %-44s %10.3f %9.3f %10s %11s%n", part.getKey(), part.getValue().msPerOperation(),
                    part.getValue().jitMsPerOperation(), gc == null ? "" : Integer.toString(gc.pauses()),
                    gc == null ? "" : String.format("%.1f", gc.longestMs()));
        }
        out.printf("     %-44s %10.3f %9.3f  (%.2f cores busy on average)%n", "platform: services, Redis, PostgreSQL",
                use.platformMsPerOperation(), use.platformMsPerOperation() - use.platformMsPerOperationWithoutJit(),
                use.platformCoresBusy());
    }

    private static void loop(PrintStream out, String name, ClosedLoop.Result result) {
        out.printf("   %-46s %10.0f %9.2f %9.2f %9.2f%n", name, result.requestsPerSecond(), result.latency().p50Ms(),
                result.latency().p99Ms(), result.latency().p999Ms());
    }

    private static void latency(PrintStream out, String name, long count, Latency latency) {
        out.printf("   %-46s %10d %9.2f %9.2f %9.2f%n", name, count, latency.p50Ms(), latency.p99Ms(),
                latency.maxMs());
    }
}
