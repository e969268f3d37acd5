package io.keystep.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.deploy.LocalStack;
import io.keystep.events.BusAccess;
import io.keystep.events.Device;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.testsupport.BusCredentials;
import io.keystep.testsupport.SmsSink;
import io.vertx.mutiny.core.Vertx;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Login → provider latency: logins published to {@code auth.login.v1} at a fixed rate, each by its own user from a
 * new device (so risk-service challenges it) with its own enrolled phone (so each SMS maps back to its login); the
 * latency is from the login record's timestamp, which is its intended send time, to the SMS sink receiving the
 * message. Beside it, raw Kafka produce → consume latency on the same broker at the same rate.
 * <p>
 * In order: every user of the measured runs is enrolled first (enrolment is not part of any window); then warm-up
 * rounds of {@value #ROUND_SECONDS} s of logins at the warm-up rate (each round's users enrolled just before it) go on
 * for at least the warm-up time and then until the services' JIT compilers took less than {@value #SETTLED_PERCENT}%
 * of the services' CPU in a round, or the most warm-up time passed (wall time): the figures are then those of the
 * code a long-running service runs, not of the JVM still compiling; then the sweep, each lower rate for its own
 * window, every message awaited before the next; then the login rate itself, and raw Kafka at it. Raw Kafka at each
 * rate of the sweep comes at the end of the whole run ({@link Result#besideRawKafkaAtEachSweepRate}).
 */
final class LoginLatencyBenchmark {

    /** Length of one warm-up round. */
    static final int ROUND_SECONDS = 10;
    /** A round in which the services' compilers took less than this share of their CPU ends the warm-up. */
    static final int SETTLED_PERCENT = 5;

    /**
     * One measured rate: its messages, their latency, the publisher's pace, the CPU per login, and the platform's CPU
     * per login above what it spends idle in as long a window; for a rate of the sweep, also raw Kafka at the same
     * rate and the logins' p99 over its p99 (null and 0 until {@link #besideRawKafka} adds them).
     */
    record Step(int ratePerSecond, double seconds, int logins, long messages, long missing, Latency loginToSms,
                double publisherMaxBehindMs, CpuMeter.Use cpu, double platformMsPerLoginAboveIdle,
                RawKafkaLatency.Result rawKafka, double p99ToRawKafkaP99) {

        Step besideRawKafka(RawKafkaLatency.Result raw) {
            return new Step(ratePerSecond, seconds, logins, messages, missing, loginToSms, publisherMaxBehindMs, cpu,
                    platformMsPerLoginAboveIdle, raw, CheckBenchmark.ratio(loginToSms.p99Ms(), raw.latency().p99Ms()));
        }
    }

    /** How long the platform's idle CPU is read before the sweep. */
    static final Duration IDLE = Duration.ofSeconds(5);

    /**
     * The warm-up: rounds run, logins published at {@code ratePerSecond}, seconds it took (enrolment and waiting
     * for messages included), the services' JIT share in the last round,
     * and whether that share fell below {@value #SETTLED_PERCENT}% (else the most warm-up time, or the phone numbers
     * a run may use, ran out first).
     */
    record WarmUp(int rounds, int ratePerSecond, int logins, double seconds, double lastJitShare, boolean settled) {
    }

    /**
     * One of the first logins after start, published alone and awaited before the next: milliseconds from its
     * intended time to its verdict ({@code risk.assessed.v1}), its delivery job ({@code challenge.issued.v1}) and its
     * SMS reaching the sink; 0 where it never arrived.
     */
    record FirstLogin(double toRiskAssessedMs, double toChallengeIssuedMs, double toSmsMs) {
    }

    /** How many logins are timed one at a time before any other traffic. */
    static final int FIRST_LOGINS = 5;

    /**
     * The login run; {@code idle}, the platform's CPU with no load read before the sweep, is null without one;
     * {@code firstLogins}, the first {@value #FIRST_LOGINS} logins after start, before the warm-up.
     */
    record Result(int ratePerSecond, double seconds, int logins, int enrolled, long messages, long missing,
                  Latency loginToSms, Map<String, Latency> stages, double publisherMaxBehindMs,
                  RawKafkaLatency.Result rawKafka,
                  double p99ToRawKafkaP99, CpuMeter.Use cpu, WarmUp warmUp, CpuMeter.Use idle, List<Step> sweep,
                  List<FirstLogin> firstLogins) {

        /**
         * The same with raw Kafka measured at each rate of the sweep: the goal is relative at every rate (raw Kafka's
         * tail at 100/s is not its tail at 1,000/s). Run after all the platform's windows, none of which it may
         * disturb.
         */
        Result besideRawKafkaAtEachSweepRate(Map<String, Object> operator, String runId, BenchmarkOptions options,
                                             PrintStream out) {
            List<Step> steps = new ArrayList<>();
            for (Step step : sweep) {
                steps.add(step.besideRawKafka(RawKafkaLatency.run(operator, runId + "." + step.ratePerSecond(),
                        step.logins(), step.ratePerSecond(), options.warmup(), options.drainTimeout(), out)));
            }
            return new Result(ratePerSecond, seconds, logins, enrolled, messages, missing, loginToSms, stages,
                    publisherMaxBehindMs, rawKafka, p99ToRawKafkaP99, cpu, warmUp, idle, steps, firstLogins);
        }
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private LoginLatencyBenchmark() {
    }

    /**
     * The producer settings a gateway uses (and the raw Kafka baseline too, so that both pay the same), over a
     * client's connection: its broker and its SASL/SCRAM login.
     */
    static Map<String, Object> producerConfig(Map<String, Object> client) {
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    static Result run(LocalStack stack, Vertx vertx, Population people, BenchmarkOptions options, CpuMeter cpu,
                      Runnable settle, PrintStream out) {
        int count = options.loginCount();
        int rate = options.loginRate();
        int sweepLogins = options.sweepRates().stream()
                .mapToInt(r -> FixedRate.count(r, options.sweepDuration())).sum();
        int roundSeconds = (int) Math.max(1, Math.min(ROUND_SECONDS, options.warmup().toSeconds()));
        int round = options.loginWarmupRate() * roundSeconds;
        // Rounds never outlast the most warm-up time, though each takes longer than its publishing.
        int maxRounds = options.warmup().isZero() ? 0
                : (int) ((options.warmupMax().toSeconds() + roundSeconds - 1) / roundSeconds);
        try (Http http = new Http(vertx, 32, stack.tokens());
             Logins logins = new Logins(stack, http, people,
                     FIRST_LOGINS + count + sweepLogins + maxRounds * round)) {
            List<FirstLogin> firstLogins = firstLogins(logins, options.drainTimeout(), out);
            long started = System.nanoTime();
            Logins.Enrolled measured = logins.enrol(count);
            List<Integer> sweepFrom = new ArrayList<>();
            for (int r : options.sweepRates()) {
                sweepFrom.add(logins.enrol(FixedRate.count(r, options.sweepDuration())).from());
            }
            out.printf("  enrolled %d users in %.1f s%n", count + sweepLogins, (System.nanoTime() - started) / 1e9);
            settle.run();

            WarmUp warmUp = warmUp(logins, options.loginWarmupRate(), roundSeconds, maxRounds, options, cpu, settle,
                    out);

            // Every window pays the platform's idle CPU (consumers polling, timers, audit's checkpoints) whatever its
            // logins; the sweep's steps, whose rates differ, show their CPU per login less it. No sweep, no idle read.
            CpuMeter.Use idle = options.sweepRates().isEmpty() ? null : idle(cpu);
            double idleCores = idle == null ? 0 : idle.platformCoresBusy();
            if (idle != null) {
                out.printf("  idle for %d s: the platform kept %.2f cores busy%n", IDLE.toSeconds(), idleCores);
            }
            List<Step> sweep = new ArrayList<>();
            for (int i = 0; i < options.sweepRates().size(); i++) {
                int r = options.sweepRates().get(i);
                int n = FixedRate.count(r, options.sweepDuration());
                out.printf("  sweep: %d logins at %d/s%n", n, r);
                Step step = logins.measure(sweepFrom.get(i), n, r, cpu, settle, options.drainTimeout(), idleCores);
                out.printf("    p50 %.1f ms, p99 %.1f ms, %d without a message%n", step.loginToSms().p50Ms(),
                        step.loginToSms().p99Ms(), step.missing());
                sweep.add(step);
            }

            out.printf("  publishing %d logins at %d/s%n", count, rate);
            Step main = logins.measure(measured.from(), count, rate, cpu, settle, options.drainTimeout(),
                    idleCores);
            Map<String, Latency> stageLatencies = logins.stages(measured.from(), count);
            stageLatencies.put("login -> SMS sink", main.loginToSms());
            Latency latency = main.loginToSms();
            out.printf("  published in %.1f s (publisher at most %.1f ms behind schedule), %d sends failed%n",
                    main.seconds(), main.publisherMaxBehindMs(), logins.failedSends());
            out.printf("  %d messages, %d logins without one; %s%n", main.messages(), main.missing(),
                    latency.summary());

            RawKafkaLatency.Result raw = RawKafkaLatency.run(stack.kafkaClientConfig(BusCredentials.ADMIN), people.runId(), count, rate,
                    options.warmup(), options.drainTimeout(), out);
            return new Result(rate, options.loginDuration().toSeconds(), count, measured.ok(), main.messages(),
                    main.missing(), latency, stageLatencies, main.publisherMaxBehindMs(), raw,
                    CheckBenchmark.ratio(latency.p99Ms(), raw.latency().p99Ms()), main.cpu(), warmUp, idle, sweep,
                    firstLogins);
        }
    }

    /**
     * The first logins after start, before any other login: what the first users after a deploy or restart wait,
     * while each service still runs its login path for the first time (class loading, the interpreter) and meets
     * each partition's first record. Each is published alone and its message awaited before the next.
     */
    private static List<FirstLogin> firstLogins(Logins logins, Duration drainTimeout, PrintStream out) {
        int from = logins.enrol(FIRST_LOGINS).from();
        List<FirstLogin> first = new ArrayList<>();
        for (int i = from; i < from + FIRST_LOGINS; i++) {
            int seen = logins.messagesSoFar();
            logins.publish(i, 1, 1);
            logins.await(seen, i, 1, new Histogram(Latency.HIGHEST_MICROS, 3), drainTimeout);
            // The bystander reads the stages on its own thread: give it a moment to note events that came before.
            FirstLogin timeline = logins.timeline(i);
            for (int wait = 0; wait < 40 && timeline.toSmsMs() > 0
                    && (timeline.toRiskAssessedMs() == 0 || timeline.toChallengeIssuedMs() == 0); wait++) {
                CheckBenchmark.sleep(50);
                timeline = logins.timeline(i);
            }
            first.add(timeline);
        }
        out.printf("  first %d logins after start, one at a time: login -> SMS %s ms%n", FIRST_LOGINS,
                first.stream().map(f -> String.format("%.0f", f.toSmsMs())).toList());
        return first;
    }

    /** The platform's CPU while nothing is published for {@link #IDLE}, per second. */
    private static CpuMeter.Use idle(CpuMeter cpu) {
        CpuMeter.Snapshot before = cpu.snapshot();
        long end = System.nanoTime() + IDLE.toNanos();
        for (long left = IDLE.toNanos(); left > 0; left = end - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
        return cpu.between(before, cpu.snapshot(), "second", IDLE.toSeconds());
    }

    /**
     * Rounds of logins at the login rate, at least for the warm-up time, then until a round in which the services'
     * compilers were quiet, at most {@code maxRounds}; set aside, like their messages.
     */
    private static WarmUp warmUp(Logins logins, int rate, int roundSeconds, int maxRounds, BenchmarkOptions options,
                                 CpuMeter cpu, Runnable settle, PrintStream out) {
        long leastRounds = (options.warmup().toSeconds() + roundSeconds - 1) / roundSeconds;
        long started = System.nanoTime();
        int rounds = 0;
        double share = 0;
        boolean settled = false;
        int round = rate * roundSeconds;
        while (rounds < maxRounds) {
            if (!logins.people.canAllocate(round)) {
                out.println("  warm-up ends: the run has no more phone numbers to hand out");
                break;
            }
            int from = logins.enrol(round).from();
            int seen = logins.messagesSoFar();
            CpuMeter.Snapshot before = cpu.snapshot();
            FixedRate.Pace pace = logins.publish(from, round, rate);
            long arrived = logins.await(seen, from, round, new Histogram(Latency.HIGHEST_MICROS, 3),
                    options.drainTimeout());
            share = cpu.servicesJitShare(cpu.between(before, cpu.snapshot(), "login", round));
            rounds++;
            out.printf("  warm-up round %d: %d logins at %d/s in %.1f s, %d messages; JIT %.0f%% of the services' "
                    + "CPU%n", rounds, round, rate, pace.seconds(), arrived, share * 100);
            if (rounds >= leastRounds && share * 100 < SETTLED_PERCENT) {
                settled = true;
                break;
            }
            if (rounds >= leastRounds && System.nanoTime() - started >= options.warmupMax().toNanos()) {
                break;
            }
        }
        settle.run();
        return new WarmUp(rounds, rate, rounds * round, ClosedLoop.round((System.nanoTime() - started) / 1e9),
                ClosedLoop.round(share), settled);
    }

    /**
     * The logins of one run, numbered from 0: login {@code i} is {@code user-i} of its tenant, with its own phone,
     * published as {@code login-<run>-i}; its intended time and the arrival of its stages are kept by number.
     */
    private static final class Logins implements AutoCloseable {
        private final LocalStack stack;
        private final Http http;
        private final Population people;
        private final String challengeUrl;
        private final int[] phoneNumber;
        private final long[] intended;
        private final long[] received;
        private final LoginStages stages;
        private final KafkaProducer<String, String> producer;
        private final AtomicLong failedSends = new AtomicLong();
        /** Each tenant's gateway token, minted once when its users are enrolled, never while logins are timed. */
        private final Map<String, byte[]> gatewayTokens = new ConcurrentHashMap<>();
        /** The tenants whose logins were set to SMS alone. */
        private final java.util.Set<String> smsOnly = ConcurrentHashMap.newKeySet();
        private int next;

        Logins(LocalStack stack, Http http, Population people, int capacity) {
            this.stack = stack;
            this.http = http;
            this.people = people;
            this.challengeUrl = stack.service("challenge-service").url();
            this.phoneNumber = new int[capacity];
            this.intended = new long[capacity];
            this.received = new long[capacity];
            this.stages = new LoginStages(stack.kafkaClientConfig(BusCredentials.ADMIN), "login-" + people.runId() + "-", capacity);
            this.producer = new KafkaProducer<>(producerConfig(stack.kafkaClientConfig(BusAccess.GATEWAY)),
                    new StringSerializer(),
                    new StringSerializer());
            producer.partitionsFor(Topics.LOGIN); // metadata before the clock starts, not inside the first send
            // The publisher's own first serialisation (Jackson building its serialisers) before any clock starts,
            // so that the first login's time is the platform's alone; the record is not sent.
            loginRecord(0, FixedRate.epochMicros(Instant.now()));
        }

        /** Logins {@code from .. from+n-1} were enrolled, {@code ok} of them successfully. */
        record Enrolled(int from, int ok) {
        }

        /** Enrols the next {@code n} users, each with a phone number of its own. */
        Enrolled enrol(int n) {
            int from = next;
            int firstPhone = people.allocate(n);
            for (int k = 0; k < n; k++) {
                phoneNumber[from + k] = firstPhone + k;
                String tenant = people.tenant("login", from + k);
                gatewayToken(tenant);
                if (smsOnly.add(tenant)) {
                    int status = http.smsOnlyLogins(challengeUrl, tenant).await().atMost(Duration.ofSeconds(30));
                    if (status != 200) {
                        throw new IllegalStateException("tenant " + tenant + "'s settings refused: " + status);
                    }
                }
            }
            int before = messagesSoFar();
            List<Integer> requested = Http.all(n, 32, Duration.ofMinutes(30), k -> http.enrollPhone(challengeUrl,
                    people.tenant("login", from + k), "user-" + (from + k), Population.phone(firstPhone + k),
                    Population.address(from + k)));
            // Each new number confirms the code sent to it, as a person would, before its logins are measured: no
            // enrollment SMS may arrive among the logins' messages.
            Map<String, String> codes = enrollmentCodes(before, from, n, requested);
            List<Integer> confirmed = Http.all(n, 32, Duration.ofMinutes(30), k -> {
                String code = codes.get(Population.phone(firstPhone + k));
                return code == null ? io.smallrye.mutiny.Uni.createFrom().item(0)
                        : http.confirmPhone(challengeUrl, people.tenant("login", from + k), "user-" + (from + k), code);
            });
            next += n;
            return new Enrolled(from, (int) confirmed.stream().filter(st -> st != null && st == 200).count());
        }

        /** The code each accepted enrollment sent, by number, from the sink's messages after the first {@code before}. */
        private Map<String, String> enrollmentCodes(int before, int from, int n, List<Integer> requested) {
            Set<String> awaited = new HashSet<>();
            for (int k = 0; k < n; k++) {
                if (requested.get(k) != null && requested.get(k) == 202) {
                    awaited.add(Population.phone(phoneNumber[from + k]));
                }
            }
            Map<String, String> codes = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (codes.size() < awaited.size() && System.nanoTime() < deadline) {
                List<SmsSink.Message> messages = stack.smsSink().messages();
                for (SmsSink.Message m : messages.subList(Math.min(before, messages.size()), messages.size())) {
                    if (awaited.contains(m.to())) {
                        codes.putIfAbsent(m.to(), io.keystep.deploy.Demo.codeIn(m.body()));
                    }
                }
                if (codes.size() < awaited.size()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                }
            }
            return codes;
        }

        /** How many messages the SMS sink holds now: those that came before the next logins were published. */
        int messagesSoFar() {
            return stack.smsSink().messages().size();
        }

        /** Publishes logins {@code from .. from+n-1} at {@code rate} and awaits their messages, in one CPU window. */
        Step measure(int from, int n, int rate, CpuMeter cpu, Runnable settle, Duration drainTimeout,
                     double idleCoresBusy) {
            Histogram micros = new Histogram(Latency.HIGHEST_MICROS, 3);
            int seen = messagesSoFar();
            CpuMeter.Snapshot before = cpu.snapshot();
            FixedRate.Pace pace = publish(from, n, rate);
            long matched = await(seen, from, n, micros, drainTimeout);
            // Every login's work ends with its events in the trail: the window closes once audit-service is quiet.
            settle.run();
            CpuMeter.Use used = cpu.between(before, cpu.snapshot(), "login", n);
            double aboveIdle = (used.platformMsPerOperation() * n - idleCoresBusy * used.seconds() * 1000) / n;
            return new Step(rate, pace.seconds(), n, matched, n - matched, Latency.of(micros), pace.maxBehindMs(),
                    used, ClosedLoop.round(aboveIdle), null, 0);
        }

        /** Login {@code i}'s record, stamped with its intended time. */
        private ProducerRecord<String, String> loginRecord(int i, long micros) {
            String tenant = people.tenant("login", i);
            String user = "user-" + i;
            String loginId = "login-" + people.runId() + "-" + i;
            Instant at = Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000);
            Envelope<LoginAttempted> login = Envelope.of(LoginAttempted.TYPE, at, tenant, loginId,
                    new LoginAttempted(loginId, user, true,
                            new Device("fp-" + people.runId() + "-" + i, "Mozilla/5.0 (benchmark)"),
                            Population.address(i), Purpose.LOGIN));
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.LOGIN, null, micros / 1000,
                    Topics.key(tenant, user), json(login));
            record.headers().add("authorization", gatewayToken(tenant));
            return record;
        }

        /** The {@code authorization} header of a tenant's logins: its gateway's bearer token, as a gateway sends it. */
        private byte[] gatewayToken(String tenant) {
            return gatewayTokens.computeIfAbsent(tenant, t -> ("Bearer " + stack.tokens().mint(t, "gateway",
                    Duration.ofHours(6))).getBytes(StandardCharsets.UTF_8));
        }

        /** Publishes logins {@code from .. from+n-1} at {@code rate}, noting each one's intended time. */
        FixedRate.Pace publish(int from, int n, int rate) {
            FixedRate.Pace pace = FixedRate.run(n, rate, (k, micros) -> {
                int i = from + k;
                intended[i] = micros;
                producer.send(loginRecord(i, micros), (metadata, error) -> {
                    if (error != null) {
                        failedSends.incrementAndGet();
                    }
                });
            });
            producer.flush();
            return pace;
        }

        /**
         * Matches the sink's messages after the first {@code seenBefore} to logins {@code from .. from+n-1} by phone
         * until each has one or no message came for {@code drainTimeout}; records each latency from the login's
         * intended time.
         */
        long await(int seenBefore, int from, int n, Histogram micros, Duration drainTimeout) {
            Map<String, Integer> loginOfPhone = new HashMap<>();
            for (int i = from; i < from + n; i++) {
                loginOfPhone.put(Population.phone(phoneNumber[i]), i);
            }
            SmsSink sink = stack.smsSink();
            Set<Integer> arrived = new HashSet<>();
            long matched = 0;
            int seen = seenBefore;
            long lastProgress = System.nanoTime();
            while (matched < n && System.nanoTime() - lastProgress < drainTimeout.toNanos()) {
                List<SmsSink.Message> messages = sink.messages();
                for (SmsSink.Message m : messages.subList(Math.min(seen, messages.size()), messages.size())) {
                    Integer login = loginOfPhone.get(m.to());
                    if (login != null && arrived.add(login)) {
                        matched++;
                        received[login] = FixedRate.epochMicros(m.receivedAt());
                        Latency.record(micros, received[login] - intended[login]);
                    }
                }
                if (messages.size() > seen) {
                    lastProgress = System.nanoTime();
                }
                seen = messages.size();
                if (matched < n) {
                    CheckBenchmark.sleep(250);
                }
            }
            return matched;
        }

        /** Login {@code i}'s stages, in ms from its intended time (0: not arrived). */
        FirstLogin timeline(int i) {
            return new FirstLogin(sinceIntended(i, stages.arrival(Topics.RISK_ASSESSED, i)),
                    sinceIntended(i, stages.arrival(Topics.CHALLENGE_ISSUED, i)), sinceIntended(i, received[i]));
        }

        private double sinceIntended(int i, long arrivalMicros) {
            return arrivalMicros == 0 ? 0 : Math.round((arrivalMicros - intended[i]) / 100.0) / 10.0;
        }

        Map<String, Latency> stages(int from, int n) {
            return stages.latencies(intended, from, from + n);
        }

        long failedSends() {
            return failedSends.get();
        }

        @Override
        public void close() {
            try {
                producer.close();
            } finally {
                stages.close();
            }
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
