package io.keystep.benchmarks;


import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under a check's latency: challenge-service answers a check only once Kafka acknowledged the check's
 * event ({@code acks=all}, idempotent, no lingering), so no check can be faster than that acknowledgement. Records
 * the size of a check event are produced at a fixed rate to a topic of their own (three partitions, as the
 * platform's topics) with those settings; the latency is from each record's intended send time to its
 * acknowledgement, so a producer that falls behind shows as latency. The producer is warmed up first
 * ({@link RawKafkaLatency#warmUp}), as challenge-service's producer is long warm when the checks are measured: a
 * new producer's first second stalled for up to 150 ms, which alone set the p99 of a ten-second run.
 */
final class KafkaAckLatency {

    /** About the size of a {@code verification.completed.v1} record. */
    private static final String VALUE = "x".repeat(600);

    record Result(String topic, int records, long acknowledged, Latency latency, double publisherMaxBehindMs) {
    }

    private KafkaAckLatency() {
    }

    /** challenge-service's settings for the check's event. */
    static Map<String, Object> producerConfig(Map<String, Object> client) {
        Map<String, Object> config = new HashMap<>(LoginLatencyBenchmark.producerConfig(client));
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return config;
    }

    static Result run(Map<String, Object> operator, String runId, int rate, Duration warmup, Duration duration,
                      PrintStream out) {
        String topic = "bench.ack." + runId;
        RawKafkaLatency.createTopic(operator, topic);
        int count = FixedRate.count(rate, duration);
        Histogram micros = new Histogram(Latency.HIGHEST_MICROS, 3);
        AtomicLong acknowledged = new AtomicLong();
        out.printf("  Kafka produce -> acknowledgement: %d records at %d/s to %s%n", count, rate, topic);
        FixedRate.Pace pace;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(operator),
                new StringSerializer(), new StringSerializer())) {
            producer.partitionsFor(topic);
            RawKafkaLatency.warmUp(producer, topic, rate, warmup, VALUE);
            pace = FixedRate.run(count, rate, (i, intended) -> producer.send(
                    new ProducerRecord<>(topic, null, intended / 1000, "key-" + (i % 997), VALUE),
                    (metadata, error) -> {
                        if (error != null) {
                            return;
                        }
                        long latency = FixedRate.epochMicros(java.time.Instant.now()) - intended;
                        synchronized (micros) {
                            Latency.record(micros, latency);
                        }
                        acknowledged.incrementAndGet();
                    }));
            producer.flush();
        }
        Latency latency;
        synchronized (micros) {
            latency = Latency.of(micros);
        }
        out.printf("    acknowledged %d; %s%n", acknowledged.get(), latency.summary());
        return new Result(topic, count, acknowledged.get(), latency, pace.maxBehindMs());
    }
}
