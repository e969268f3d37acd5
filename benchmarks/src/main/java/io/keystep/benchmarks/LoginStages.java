package io.keystep.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Topics;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a login's time goes: a bystander consumer of {@code risk.assessed.v1} and {@code challenge.issued.v1}
 * notes when each benchmark login's verdict and delivery job reach it, so that the login → SMS figure splits into
 * login → risk verdict → challenge issued → SMS received, each measured from the login's intended time.
 */
final class LoginStages implements AutoCloseable {

    static final List<String> TOPICS = List.of(Topics.RISK_ASSESSED, Topics.CHALLENGE_ISSUED);

    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final String loginPrefix;
    private final long[][] arrivals;

    /** Starts reading from the end of both topics; logins are named {@code <loginPrefix><index>}. */
    LoginStages(Map<String, Object> operator, String loginPrefix, int count) {
        this.loginPrefix = loginPrefix;
        this.arrivals = new long[TOPICS.size()][count];
        consumer = new KafkaConsumer<>(RawKafkaLatency.with(operator,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-stages-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : TOPICS) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        reader = new Thread(this::read, "login-stages");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        while (!stop.get()) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                long now = FixedRate.epochMicros(Instant.now());
                try {
                    JsonNode event = LoginLatencyBenchmark.JSON.readTree(record.value());
                    String loginId = event.path("payload").path("loginId").asText("");
                    if (loginId.startsWith(loginPrefix)) {
                        int index = Integer.parseInt(loginId.substring(loginPrefix.length()));
                        long[] stage = arrivals[TOPICS.indexOf(record.topic())];
                        synchronized (this) {
                            if (index < stage.length && stage[index] == 0) {
                                stage[index] = now;
                            }
                        }
                    }
                } catch (Exception e) {
                    // not a benchmark login's event
                }
            }
        }
    }

    /** When login {@code index}'s event of {@code topic} reached this consumer, in epoch µs; 0 if it has not. */
    synchronized long arrival(String topic, int index) {
        return arrivals[TOPICS.indexOf(topic)][index];
    }

    /** Per topic, the latency from each login's intended time to its event reaching this consumer. */
    synchronized Map<String, Latency> latencies(long[] intended, int from, int to) {
        Map<String, Latency> result = new LinkedHashMap<>();
        for (int t = 0; t < TOPICS.size(); t++) {
            Histogram micros = new Histogram(Latency.HIGHEST_MICROS, 3);
            for (int i = from; i < to; i++) {
                if (arrivals[t][i] != 0 && intended[i] != 0) {
                    Latency.record(micros, arrivals[t][i] - intended[i]);
                }
            }
            result.put("login -> " + TOPICS.get(t), Latency.of(micros));
        }
        return result;
    }

    @Override
    public void close() {
        stop.set(true);
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
    }
}
