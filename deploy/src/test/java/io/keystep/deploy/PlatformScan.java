package io.keystep.deploy;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Reads everything the platform holds in Redis and Kafka, as text, so that a test can look for secrets in it. */
final class PlatformScan {

    private PlatformScan() {
    }

    /** One Kafka record as text: topic, key, value and headers. */
    record KafkaText(String topic, String key, String value, String headers) {
        String all() {
            return topic + "\n" + key + "\n" + value + "\n" + headers;
        }
    }

    /** Every record of every topic, from the beginning. */
    static List<KafkaText> kafkaRecords(Map<String, Object> operator) {
        List<KafkaText> records = new ArrayList<>();
        Map<String, Object> config = new java.util.HashMap<>(operator);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config,
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.listTopics(Duration.ofSeconds(10)).forEach((topic, infos) -> {
                if (!topic.startsWith("__")) {
                    infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
                }
            });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read every Kafka record within 30 s");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    StringBuilder headers = new StringBuilder();
                    for (Header header : record.headers()) {
                        headers.append(header.key()).append('=')
                                .append(header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8))
                                .append('\n');
                    }
                    records.add(new KafkaText(record.topic(), record.key(), record.value(), headers.toString()));
                }
            }
        }
        return records;
    }

    /**
     * Every Redis key with its value, whatever the key's type, as {@code key => value} lines; read as the user of
     * {@code options} (the operator: no service may list keys).
     */
    static List<String> redisEntries(RedisOptions options) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Redis client = Redis.createClient(vertx, options);
            RedisAPI redis = RedisAPI.api(client);
            List<String> entries = new ArrayList<>();
            for (Response key : await(redis.keys("*"))) {
                String name = key.toString();
                String type = await(redis.type(name)).toString();
                Response value = switch (type) {
                    case "string" -> await(redis.get(name));
                    case "hash" -> await(redis.hgetall(name));
                    case "set" -> await(redis.smembers(name));
                    case "zset" -> await(redis.zrange(List.of(name, "0", "-1", "WITHSCORES")));
                    case "list" -> await(redis.lrange(name, "0", "-1"));
                    case "stream" -> await(redis.xrange(List.of(name, "-", "+")));
                    default -> null;
                };
                entries.add(name + " => " + type + " " + value);
            }
            client.close();
            return entries;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
        CompletionStage<T> stage = future.toCompletionStage();
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
