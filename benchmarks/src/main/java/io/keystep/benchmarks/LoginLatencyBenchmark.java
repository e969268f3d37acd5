package io.keystep.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.deploy.LocalStack;
import io.keystep.events.Device;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.testsupport.SmsSink;
import io.vertx.mutiny.core.Vertx;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Login → provider latency: logins published to {@code auth.login.v1} at a fixed rate, each by its own user from a
 * new device (so risk-service challenges it) with its own enrolled phone (so each SMS maps back to its login); the
 * latency is from the login record's timestamp, which is its intended send time, to the SMS sink receiving the
 * message. Beside it, raw Kafka produce → consume latency on the same broker at the same rate.
 */
final class LoginLatencyBenchmark {

    record Result(int ratePerSecond, double seconds, int logins, int enrolled, long messages, long missing,
                  Latency loginToSms, Map<String, Latency> stages, double publisherMaxBehindMs,
                  RawKafkaLatency.Result rawKafka,
                  double p99ToRawKafkaP99, CpuMeter.Use cpu) {
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private LoginLatencyBenchmark() {
    }

    /** The producer settings a gateway uses (and the raw Kafka baseline too, so that both pay the same). */
    static Map<String, Object> producerConfig(String bootstrap) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }

    static Result run(LocalStack stack, Vertx vertx, Population people, BenchmarkOptions options, CpuMeter cpu,
                      Runnable settle, PrintStream out) {
        int count = options.loginCount();
        int rate = options.loginRate();
        // Warm-up logins first (as many as the warm-up time at the rate), so that no service meets its first
        // login inside the measurement; they are published and delivered like the others, then set aside.
        int warm = (int) (rate * options.warmup().toMillis() / 1000);
        int total = warm + count;
        String challengeUrl = stack.service("challenge-service").url();
        int first = people.allocate(total);
        long started = System.nanoTime();
        List<Integer> statuses;
        try (Http http = new Http(vertx, 32, stack.tokens())) {
            statuses = Http.all(total, 32, Duration.ofMinutes(30), i -> http.enrollPhone(challengeUrl,
                    people.tenant("login", i), "user-" + i, Population.phone(first + i)));
        }
        int enrolled = (int) statuses.subList(warm, total).stream().filter(s -> s != null && s / 100 == 2).count();
        out.printf("  enrolled %d users in %.1f s%n", total, (System.nanoTime() - started) / 1e9);
        settle.run();

        long[] intended = new long[total];
        AtomicLong failedSends = new AtomicLong();
        LoginStages stages = new LoginStages(stack.kafkaBootstrap(), "login-" + people.runId() + "-", total);
        FixedRate.Pace pace;
        long matched;
        CpuMeter.Use used;
        Histogram micros = new Histogram(Latency.HIGHEST_MICROS, 3);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(stack.kafkaBootstrap()),
                new StringSerializer(), new StringSerializer())) {
            producer.partitionsFor(Topics.LOGIN); // metadata before the clock starts, not inside the first send
            if (warm > 0) {
                out.printf("  warming up: %d logins at %d/s%n", warm, rate);
                int seen = stack.smsSink().messages().size();
                publish(producer, people, rate, 0, warm, intended, failedSends);
                long warmed = awaitMessages(stack.smsSink(), seen, phones(first, 0, warm), intended,
                        new Histogram(Latency.HIGHEST_MICROS, 3), warm, options.drainTimeout());
                out.printf("    %d of %d warm-up messages arrived%n", warmed, warm);
                settle.run();
            }
            out.printf("  publishing %d logins at %d/s%n", count, rate);
            int seen = stack.smsSink().messages().size();
            CpuMeter.Snapshot before = cpu.snapshot();
            pace = publish(producer, people, rate, warm, count, intended, failedSends);
            out.printf("  published in %.1f s (publisher at most %.1f ms behind schedule), %d sends failed%n",
                    pace.seconds(), pace.maxBehindMs(), failedSends.get());
            matched = awaitMessages(stack.smsSink(), seen, phones(first, warm, total), intended, micros, count,
                    options.drainTimeout());
            // Every login's work ends with its events in the trail: the window closes once audit-service is quiet.
            settle.run();
            used = cpu.between(before, cpu.snapshot(), "login", count);
        } finally {
            stages.close();
        }
        Latency latency = Latency.of(micros);
        Map<String, Latency> stageLatencies = stages.latencies(intended, warm, total);
        stageLatencies.put("login -> SMS sink", latency);
        out.printf("  %d messages, %d logins without one; p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", matched,
                count - matched, latency.p50Ms(), latency.p99Ms(), latency.maxMs());

        RawKafkaLatency.Result raw = RawKafkaLatency.run(stack.kafkaBootstrap(), people.runId(), count, rate,
                options.drainTimeout(), out);
        return new Result(rate, options.loginDuration().toSeconds(), count, enrolled, matched, count - matched,
                latency, stageLatencies, pace.maxBehindMs(), raw,
                CheckBenchmark.ratio(latency.p99Ms(), raw.latency().p99Ms()), used);
    }

    /** Publishes logins {@code from .. from+count-1} at {@code rate}, noting each one's intended time. */
    private static FixedRate.Pace publish(KafkaProducer<String, String> producer, Population people, int rate,
                                          int from, int count, long[] intended, AtomicLong failedSends) {
        FixedRate.Pace pace = FixedRate.run(count, rate, (n, micros) -> {
            int i = from + n;
            intended[i] = micros;
            String tenant = people.tenant("login", i);
            String user = "user-" + i;
            String loginId = "login-" + people.runId() + "-" + i;
            Instant at = Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000);
            Envelope<LoginAttempted> login = Envelope.of(LoginAttempted.TYPE, at, tenant, loginId,
                    new LoginAttempted(loginId, user, true,
                            new Device("fp-" + people.runId() + "-" + i, "Mozilla/5.0 (benchmark)"),
                            Population.address(i), Purpose.LOGIN));
            producer.send(new ProducerRecord<>(Topics.LOGIN, null, micros / 1000, Topics.key(tenant, user),
                    json(login)), (metadata, error) -> {
                if (error != null) {
                    failedSends.incrementAndGet();
                }
            });
        });
        producer.flush();
        return pace;
    }

    /** Phone number → login index, for logins {@code from .. to-1}. */
    private static Map<String, Integer> phones(int firstPhone, int from, int to) {
        Map<String, Integer> loginOfPhone = new HashMap<>();
        for (int i = from; i < to; i++) {
            loginOfPhone.put(Population.phone(firstPhone + i), i);
        }
        return loginOfPhone;
    }

    /** Matches messages to logins by phone until every login has one or no message came for the drain timeout. */
    private static long awaitMessages(SmsSink sink, int seenBefore, Map<String, Integer> loginOfPhone, long[] intended,
                                      Histogram micros, int count, Duration drainTimeout) {
        java.util.Set<Integer> arrived = new java.util.HashSet<>();
        long matched = 0;
        int seen = seenBefore;
        long lastProgress = System.nanoTime();
        while (matched < count && System.nanoTime() - lastProgress < drainTimeout.toNanos()) {
            List<SmsSink.Message> messages = sink.messages();
            for (SmsSink.Message m : messages.subList(Math.min(seen, messages.size()), messages.size())) {
                Integer login = loginOfPhone.get(m.to());
                if (login != null && arrived.add(login)) {
                    matched++;
                    long latency = FixedRate.epochMicros(m.receivedAt()) - intended[login];
                    micros.recordValue(Math.min(Latency.HIGHEST_MICROS, Math.max(1, latency)));
                }
            }
            if (messages.size() > seen) {
                lastProgress = System.nanoTime();
            }
            seen = messages.size();
            if (matched < count) {
                CheckBenchmark.sleep(250);
            }
        }
        return matched;
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
