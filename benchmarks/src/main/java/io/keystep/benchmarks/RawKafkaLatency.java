package io.keystep.benchmarks;

import io.keystep.testsupport.BusAccessSetup;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * The broker's own latency: records produced at a fixed rate to a topic of its own (three partitions, as the
 * platform's topics) with the gateway's producer settings, consumed by one consumer; the latency is from each
 * record's intended send time to its arrival at the consumer. As for {@link KafkaAckLatency}, the producer and
 * the consumer first run at the same rate, unmeasured, for the warm-up time, so that a new client's first second
 * is not taken for the broker's latency.
 */
final class RawKafkaLatency {

    record Result(String topic, int records, long received, Latency latency, double publisherMaxBehindMs) {
    }

    /** The value of the warm-up's records, which the reader skips (measured records carry their index). */
    private static final String WARM_UP_VALUE = "-1";

    private RawKafkaLatency() {
    }

    /**
     * Sends records of {@code value} to {@code topic} at {@code rate} for {@code warmup}, unmeasured, and waits
     * for them all: a new client's first second (connecting, its producer id, the first record on each partition,
     * code still interpreted) is then behind it when the measured records start. Nothing when {@code warmup} is
     * zero.
     */
    static void warmUp(KafkaProducer<String, String> producer, String topic, int rate, Duration warmup,
                       String value) {
        if (warmup.isZero()) {
            return;
        }
        FixedRate.run(FixedRate.count(rate, warmup), rate, (i, at) -> producer.send(
                new ProducerRecord<>(topic, null, at / 1000, "key-" + (i % 997), value)));
        producer.flush();
    }

    /** A topic of the benchmark's own, of three partitions like the platform's, made by the broker's operator. */
    static void createTopic(Map<String, Object> operator, String topic) {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(operator)) {
            BusAccessSetup.createTopics(admin, List.of(topic), 3);
        }
    }

    /**
     * Raw records through the same broker, as its operator: authenticated (SASL/SCRAM) like every client, though a
     * super user's requests skip the ACL lookups a gateway's pay.
     */
    static Result run(Map<String, Object> operator, String runId, int count, int rate, Duration warmup,
                      Duration drainTimeout, PrintStream out) {
        String topic = "bench.raw." + runId;
        createTopic(operator, topic);
        long[] intended = new long[count];
        boolean[] arrived = new boolean[count];
        Histogram micros = new Histogram(Latency.HIGHEST_MICROS, 3);
        AtomicLong received = new AtomicLong();
        AtomicLong lastArrival = new AtomicLong(System.nanoTime());
        AtomicBoolean stop = new AtomicBoolean();
        List<TopicPartition> partitions = IntStream.range(0, 3).mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(with(operator,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                        long now = FixedRate.epochMicros(java.time.Instant.now());
                        int i = Integer.parseInt(record.value());
                        if (i < 0) {
                            continue; // a warm-up record
                        }
                        synchronized (micros) {
                            if (!arrived[i] && intended[i] != 0) {
                                arrived[i] = true;
                                Latency.record(micros, now - intended[i]);
                                received.incrementAndGet();
                                lastArrival.set(System.nanoTime());
                            }
                        }
                    }
                }
            }, "raw-kafka-consumer");
            reader.start();
            out.printf("  raw Kafka: %d records at %d/s to %s%n", count, rate, topic);
            FixedRate.Pace pace;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    LoginLatencyBenchmark.producerConfig(operator), new StringSerializer(), new StringSerializer())) {
                producer.partitionsFor(topic);
                warmUp(producer, topic, rate, warmup, WARM_UP_VALUE);
                pace = FixedRate.run(count, rate, (i, at) -> {
                    synchronized (micros) {
                        intended[i] = at;
                    }
                    producer.send(new ProducerRecord<>(topic, null, at / 1000, "key-" + (i % 997), Integer.toString(i)));
                });
                producer.flush();
            }
            while (received.get() < count && System.nanoTime() - lastArrival.get() < drainTimeout.toNanos()) {
                CheckBenchmark.sleep(100);
            }
            stop.set(true);
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Latency latency;
            synchronized (micros) {
                latency = Latency.of(micros);
            }
            out.printf("    received %d; %s%n", received.get(), latency.summary());
            return new Result(topic, count, received.get(), latency, pace.maxBehindMs());
        }
    }

    /** A client's connection settings with a consumer's or producer's own added. */
    static Map<String, Object> with(Map<String, Object> client, Object... settings) {
        Map<String, Object> config = new java.util.HashMap<>(client);
        for (int i = 0; i < settings.length; i += 2) {
            config.put((String) settings[i], settings[i + 1]);
        }
        return config;
    }
}
