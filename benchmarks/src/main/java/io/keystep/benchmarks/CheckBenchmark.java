package io.keystep.benchmarks;

import io.keystep.deploy.Demo;
import io.keystep.deploy.LocalStack;
import io.keystep.testsupport.BusCredentials;
import io.keystep.testsupport.SmsSink;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Check throughput and latency beside the framework's and the store's ceilings, in one run:
 * <ol>
 * <li>{@code GET /q/health/live} of challenge-service's management interface under the same closed loop: an HTTP
 *     server of the same process on the same event loops, no work (no liveness procedure is registered beyond the
 *     framework's own), the framework's ceiling;</li>
 * <li>the check script by {@code EVALSHA} (and by {@code EVAL}, the service's fallback when Redis lost its script cache) straight against the same
 *     Redis: the store's ceiling;</li>
 * <li>{@code POST /v1/verifications/{id}/check} against pending verifications prepared beforehand through the
 *     Verify API, in the same closed loop, then at a fixed rate (open loop, latency from each request's intended
 *     time), and beside that each of the three round trips a check makes one after the other, alone at the same
 *     rate: the trivial endpoint (the HTTP request and its answer), the check script by {@code EVALSHA}, and
 *     Kafka's acknowledgement of a record the size of the check's event, which every check awaits
 *     ({@link KafkaAckLatency}).</li>
 * </ol>
 * Budget: every verification allows {@value #BUDGET} checks. The verifications are taken in blocks of B (at least
 * 256, far more than the checks in flight at once): B checks go to B different verifications, then the next B to
 * the same ones, five rounds per block, then the next block; so one verification is never checked twice at once.
 * In each verification's five checks the first four present a wrong code (answer {@code pending}) and the fifth the
 * right one read from the SMS sink (answer {@code approved}): the mix, 4:1 throughout the run, of a person who
 * mistypes four times. V is sized from the trivial endpoint's measured
 * throughput (the check cannot beat it) so that warm-up and measurement together cannot exhaust the budgets;
 * answers that find a budget spent are counted apart ({@code exhausted}).
 */
final class CheckBenchmark {

    /** Checks a verification allows (challenge-service's default). */
    static final int BUDGET = 5;

    record Result(int clients, double secondsEach, int verifications, int verificationsWithKnownCode,
                  int budgetPerVerification, ClosedLoop.Result check, int fixedRatePerSecond,
                  ClosedLoop.Result checkAtFixedRate, KafkaAckLatency.Result kafkaAckAtFixedRate,
                  ClosedLoop.Result trivialAtFixedRate, ClosedLoop.Result redisEvalshaAtFixedRate,
                  double partsP99SumMs,
                  long exhaustedChecks,
                  String trivialEndpoint, ClosedLoop.Result trivial, String redisScript,
                  ClosedLoop.Result redisEvalsha, ClosedLoop.Result redisEval,
                  double checkToTrivialThroughput, double checkToRedisEvalshaThroughput,
                  CpuMeter.Use trivialCpu, CpuMeter.Use checkCpu, CpuMeter.Use fixedRateCpu) {
    }

    private record Pending(String tenant, String id, String wrong, String right) {
    }

    private CheckBenchmark() {
    }

    static Result run(LocalStack stack, Vertx vertx, Population people, CheckScript script, BenchmarkOptions options,
                      CpuMeter cpu, Runnable settle, PrintStream out) {
        String challengeUrl = stack.service("challenge-service").url();
        int clients = options.checkClients();
        try (Http http = new Http(vertx, clients, stack.tokens());
             RedisScriptLoop redis = new RedisScriptLoop(vertx.getDelegate(), stack.redisOptions("challenge-service"),
                     clients, script, people.runId())) {
            String trivialUrl = stack.service("challenge-service").managementUrl() + "/q/health/live";
            out.println("  trivial endpoint GET /q/health/live (management port), " + clients + " clients");
            ClosedLoop.run(clients, options.warmup(), seq -> http.get(trivialUrl));
            CpuMeter.Snapshot beforeTrivial = cpu.snapshot();
            ClosedLoop.Result trivial = ClosedLoop.run(clients, options.checkDuration(), seq -> http.get(trivialUrl));
            CpuMeter.Use trivialCpu = cpu.between(beforeTrivial, cpu.snapshot(), "request", trivial.requests());
            out.println("    " + trivial.requestsPerSecond() + " req/s");

            out.println("  Redis check script by EVALSHA and by EVAL, " + clients + " clients");
            ClosedLoop.run(clients, options.warmup(), redis::evalsha);
            ClosedLoop.Result evalsha = ClosedLoop.run(clients, options.checkDuration(), redis::evalsha);
            ClosedLoop.run(clients, options.warmup(), redis::eval);
            ClosedLoop.Result eval = ClosedLoop.run(clients, options.checkDuration(), redis::eval);
            out.println("    " + evalsha.requestsPerSecond() + " / " + eval.requestsPerSecond() + " calls/s");

            double seconds = (options.warmup().toMillis() + options.checkDuration().toMillis()) / 1000.0;
            long checksNeeded = (long) Math.ceil(trivial.requestsPerSecond() * seconds * 1.2
                    + options.checkRate() * options.checkDuration().toSeconds());
            int wanted = (int) Math.max(clients * 2L, (checksNeeded + BUDGET - 1) / BUDGET);
            int count = Math.min(options.checkMaxVerifications(), wanted);
            if (count < wanted) {
                out.println("  (capped at " + count + " verifications; " + wanted + " would cover the trivial rate)");
            }
            List<Pending> pending = prepare(stack, http, people, challengeUrl, count, out);
            settle.run();

            out.println("  check: " + pending.size() + " pending verifications, " + clients + " clients");
            ChecksIssued issued = new ChecksIssued(pending, clients);
            ClosedLoop.run(clients, options.warmup(), seq -> issued.next(http, challengeUrl));
            CpuMeter.Snapshot beforeCheck = cpu.snapshot();
            ClosedLoop.Result check = ClosedLoop.run(clients, options.checkDuration(),
                    seq -> issued.next(http, challengeUrl));
            CpuMeter.Use checkCpu = cpu.between(beforeCheck, cpu.snapshot(), "check", check.requests());
            out.println("    " + check.requestsPerSecond() + " req/s, outcomes " + check.outcomes());
            ClosedLoop.Result fixed = null;
            KafkaAckLatency.Result ack = null;
            ClosedLoop.Result trivialFixed = null;
            ClosedLoop.Result evalshaFixed = null;
            double partsP99 = 0;
            CpuMeter.Use fixedCpu = null;
            if (options.checkRate() > 0) {
                // The closed loop leaves risk- and audit-service tens of thousands of check events to consume:
                // each window measures its own load only once they are in the trail.
                settle.run();
                out.println("  check at a fixed " + options.checkRate() + "/s");
                CpuMeter.Snapshot beforeFixed = cpu.snapshot();
                fixed = OpenLoop.run(options.checkRate(), options.checkDuration(),
                        seq -> issued.next(http, challengeUrl));
                fixedCpu = cpu.between(beforeFixed, cpu.snapshot(), "check", fixed.requests());
                out.println("    p99 " + fixed.latency().p99Ms() + " ms, outcomes " + fixed.outcomes());
                settle.run();
                ack = KafkaAckLatency.run(stack.kafkaClientConfig(BusCredentials.ADMIN), people.runId(), options.checkRate(),
                        options.warmup(), options.checkDuration(), out);
                // The other two round trips a check makes, one after the other with the acknowledgement, each alone
                // at the same rate (both loops are warm from their closed loops above).
                out.println("  " + trivialUrl + " and the Redis check script at a fixed " + options.checkRate() + "/s");
                trivialFixed = OpenLoop.run(options.checkRate(), options.checkDuration(), seq -> http.get(trivialUrl));
                evalshaFixed = OpenLoop.run(options.checkRate(), options.checkDuration(), redis::evalsha);
                partsP99 = ClosedLoop.round(trivialFixed.latency().p99Ms() + evalshaFixed.latency().p99Ms()
                        + ack.latency().p99Ms());
                out.println("    p99 " + trivialFixed.latency().p99Ms() + " / " + evalshaFixed.latency().p99Ms()
                        + " ms");
            }
            long exhausted = exhausted(check) + (fixed == null ? 0 : exhausted(fixed));
            int known = (int) pending.stream().filter(p -> p.right() != null).count();
            return new Result(clients, options.checkDuration().toSeconds(), pending.size(), known, BUDGET, check,
                    options.checkRate(), fixed, ack, trivialFixed, evalshaFixed, partsP99, exhausted,
                    "GET /q/health/live", trivial, script.origin(), evalsha,
                    eval,
                    ratio(check.requestsPerSecond(), trivial.requestsPerSecond()),
                    ratio(check.requestsPerSecond(), evalsha.requestsPerSecond()), trivialCpu, checkCpu, fixedCpu);
        }
    }

    private static long exhausted(ClosedLoop.Result result) {
        return result.outcomes().entrySet().stream()
                .filter(e -> !e.getKey().equals("200 pending") && !e.getKey().equals("200 approved"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** Hands out checks: check s goes to verification s mod V, the last of each budget with the right code. */
    private static final class ChecksIssued {
        private final List<Pending> pending;
        private final int block;
        private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();

        ChecksIssued(List<Pending> pending, int clients) {
            this.pending = pending;
            // Checks of one verification are a block apart: far more than the checks in flight at once.
            this.block = Math.min(pending.size(), Math.max(256, clients * 16));
        }

        io.smallrye.mutiny.Uni<String> next(Http http, String challengeUrl) {
            long s = sequence.getAndIncrement();
            long perBlock = (long) block * BUDGET;
            long blocks = Math.max(1, pending.size() / block);
            long within = s % perBlock;
            int index = (int) ((s / perBlock % blocks) * block + within % block);
            boolean last = within / block == BUDGET - 1;
            Pending p = pending.get(index);
            String code = last && p.right() != null ? p.right() : p.wrong();
            return http.check(challengeUrl, p.tenant(), p.id(), Buffer.buffer("{\"code\":\"" + code + "\"}"));
        }
    }

    /** Creates {@code count} verifications by SMS and reads their codes from the sink. */
    private static List<Pending> prepare(LocalStack stack, Http http, Population people, String challengeUrl,
                                         int count, PrintStream out) {
        long started = System.nanoTime();
        int first = people.allocate(count);
        List<String> ids = Http.all(count, 32, Duration.ofMinutes(10), i -> http.createVerification(challengeUrl,
                people.tenant("check", i), "user-" + i, Population.phone(first + i), Population.address(i)));
        long created = ids.stream().filter(java.util.Objects::nonNull).count();
        out.printf("  prepared %d of %d verifications in %.1f s%n", created, count,
                (System.nanoTime() - started) / 1e9);
        if (created == 0) {
            throw new IllegalStateException("challenge-service created no verification; see "
                    + stack.service("challenge-service").logFile());
        }
        Map<String, String> codes = awaitCodes(stack.smsSink(), first, count, Duration.ofSeconds(60));
        out.printf("  %d codes arrived at the SMS sink%n", codes.size());
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (ids.get(i) == null) {
                continue;
            }
            String code = codes.get(Population.phone(first + i));
            String wrong = code == null ? randomCode() : Demo.wrongCodeFor(code);
            pending.add(new Pending(people.tenant("check", i), ids.get(i), wrong, code));
        }
        return pending;
    }

    private static Map<String, String> awaitCodes(SmsSink sink, int first, int count, Duration timeout) {
        Map<String, Integer> wanted = new HashMap<>();
        for (int i = 0; i < count; i++) {
            wanted.put(Population.phone(first + i), i);
        }
        Map<String, String> codes = new HashMap<>();
        Instant deadline = Instant.now().plus(timeout);
        int seen = 0;
        while (codes.size() < count && Instant.now().isBefore(deadline)) {
            List<SmsSink.Message> messages = sink.messages();
            for (SmsSink.Message m : messages.subList(Math.min(seen, messages.size()), messages.size())) {
                if (wanted.containsKey(m.to())) {
                    codes.put(m.to(), Demo.codeIn(m.body()));
                }
            }
            seen = messages.size();
            if (codes.size() < count) {
                sleep(200);
            }
        }
        return codes;
    }

    private static String randomCode() {
        return String.format("%06d", ThreadLocalRandom.current().nextInt(1_000_000));
    }

    static double ratio(double a, double b) {
        return b == 0 ? 0 : Math.round(a / b * 1000) / 1000.0;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
