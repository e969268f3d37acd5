package io.keystep.audit;

import io.keystep.testsupport.SharedServers;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** Reads a topic of the shared broker from its beginning in the background and keeps every record. */
final class TopicRecorder implements AutoCloseable {

    private final List<ConsumerRecord<String, String>> records = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    TopicRecorder(String topic) {
        thread = new Thread(() -> {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(SharedServers.kafka().adminConfig(Map.of(
                    "group.id", "recorder-" + UUID.randomUUID(),
                    "auto.offset.reset", "earliest")), new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                while (running.get()) {
                    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                }
            }
        }, "record-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    List<ConsumerRecord<String, String>> records() {
        return records;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }
}
