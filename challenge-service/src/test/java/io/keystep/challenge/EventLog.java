package io.keystep.challenge;

import io.keystep.testsupport.SharedServers;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

/** Every record on the platform's topics (dead-letter topics included), read from the start, for assertions. */
public final class EventLog {

    private static KafkaCompanion companion;
    private static ConsumerTask<String, String> tap;

    private EventLog() {
    }

    private static synchronized ConsumerTask<String, String> tap() {
        if (tap == null) {
            tap = companion().consumeStrings()
                    .withGroupId("challenge-service-tests-" + UUID.randomUUID())
                    .withProp("auto.offset.reset", "earliest")
                    .fromTopics(SharedServers.platformTopics().toArray(String[]::new));
        }
        return tap;
    }

    public static synchronized KafkaCompanion companion() {
        if (companion == null) {
            companion = SharedServers.kafka().operatorCompanion();
        }
        return companion;
    }

    /** Publishes one record with headers and waits for the broker's ack. */
    public static void publish(String topic, String key, String value, java.util.Map<String, String> headers) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, v) -> record.headers().add(name, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        companion().produceStrings().fromRecords(record).awaitCompletion(Duration.ofSeconds(30));
    }

    /** Publishes one record and waits for the broker's ack. */
    public static void publish(String topic, String key, String value) {
        companion().produceStrings().fromRecords(new ProducerRecord<>(topic, key, value))
                .awaitCompletion(Duration.ofSeconds(30));
    }

    /** The records seen so far on {@code topic} that match. */
    public static List<ConsumerRecord<String, String>> records(String topic, Predicate<ConsumerRecord<String, String>> match) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : List.copyOf(tap().getRecords())) {
            if (r.topic().equals(topic) && match.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** The records seen so far on {@code topic} with this key. */
    public static List<ConsumerRecord<String, String>> records(String topic, String key) {
        return records(topic, r -> key.equals(r.key()));
    }

    /** Waits until at least {@code count} matching records arrived, and returns them. */
    public static List<ConsumerRecord<String, String>> await(String topic, int count,
                                                             Predicate<ConsumerRecord<String, String>> match) {
        tap();
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> records(topic, match).size() >= count);
        return records(topic, match);
    }

    /** Every record seen so far, on every topic. */
    public static List<ConsumerRecord<String, String>> all() {
        return List.copyOf(tap().getRecords());
    }
}
