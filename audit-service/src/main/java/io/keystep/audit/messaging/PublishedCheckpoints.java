package io.keystep.audit.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.CheckpointKeys;
import io.keystep.events.AuditCheckpoint;
import io.keystep.events.Envelope;
import io.keystep.events.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The newest checkpoint of each tenant as published on {@code audit.checkpoint.v1}, read from Kafka itself: whoever
 * deletes the tail of the trail from PostgreSQL (and its checkpoints with it) cannot take back what the broker holds.
 * Only checkpoints whose signature verifies with a configured public key count. The topic is read by partition
 * assignment, without a consumer group, from where the last look stopped up to its end at the time of the question.
 */
@ApplicationScoped
public class PublishedCheckpoints {

    private static final Logger LOG = Logger.getLogger(PublishedCheckpoints.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CATCH_UP = Duration.ofSeconds(15);
    private static final TypeReference<Envelope<AuditCheckpoint>> CHECKPOINT = new TypeReference<>() {
    };

    /** A checkpoint read from the topic, with the tenant its envelope names. */
    public record Published(String tenantId, long chainSeq, String headHash, Instant signedAt, String keyId) {
    }

    /** The topic could not be read up to its end in time: what it holds is unknown. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Map<String, Object> kafka;
    private final ObjectMapper mapper;
    private final CheckpointKeys keys;
    private final Map<String, Published> newest = new HashMap<>();
    private KafkaConsumer<String, String> consumer;

    public PublishedCheckpoints(@Identifier("default-kafka-broker") Map<String, Object> kafka, ObjectMapper mapper,
                                CheckpointKeys keys) {
        this.kafka = kafka;
        this.mapper = mapper;
        this.keys = keys;
    }

    /** The tenant's newest published checkpoint, once the topic was read up to its present end. Blocks. */
    public synchronized Optional<Published> newest(String tenant) {
        try {
            catchUp();
        } catch (RuntimeException e) {
            close();
            throw e instanceof Unavailable u ? u : new Unavailable("audit.checkpoint.v1 could not be read", e);
        }
        return Optional.ofNullable(newest.get(tenant));
    }

    private void catchUp() {
        if (consumer == null) {
            consumer = new KafkaConsumer<>(config());
        }
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.AUDIT_CHECKPOINT, CATCH_UP).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (!consumer.assignment().containsAll(partitions)) {
            List<TopicPartition> added = partitions.stream().filter(p -> !consumer.assignment().contains(p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(added);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, CATCH_UP);
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey(), CATCH_UP) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new Unavailable("audit.checkpoint.v1 was not read to its end within " + CATCH_UP, null);
            }
            for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                accept(record);
            }
        }
    }

    private void accept(ConsumerRecord<String, String> record) {
        Published checkpoint = parse(record.value());
        if (checkpoint == null || !checkpoint.tenantId().equals(record.key())) {
            LOG.warnf("audit.checkpoint.v1 %d/%d is not a signed checkpoint of tenant %s; ignored", record.partition(),
                    record.offset(), record.key());
            return;
        }
        newest.merge(checkpoint.tenantId(), checkpoint, (a, b) -> b.chainSeq() >= a.chainSeq() ? b : a);
    }

    /** The checkpoint, or null when the record is not one whose signature verifies. */
    private Published parse(String value) {
        try {
            // read as the record was written, not through a tree: a number read as a double would lose the time's
            // precision, and with it the signature
            Envelope<AuditCheckpoint> envelope = mapper.readValue(value, CHECKPOINT);
            if (!AuditCheckpoint.TYPE.equals(envelope.type())) {
                return null;
            }
            String tenant = envelope.tenantId();
            AuditCheckpoint c = envelope.payload();
            if (tenant == null || !keys.verifies(c.keyId(), tenant, c.chainSeq(), c.headHash(), c.signedAt(),
                    c.signature())) {
                return null;
            }
            return new Published(tenant, c.chainSeq(), c.headHash(), c.signedAt(), c.keyId());
        } catch (Exception e) {
            return null;
        }
    }

    private Map<String, Object> config() {
        Map<String, Object> config = new HashMap<>(kafka);
        config.keySet().removeIf(k -> k.startsWith("group.") || k.contains("serializer"));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "audit-service-checkpoint-reader");
        // SSL settings left blank by the environment (the local run's plain SASL) are not settings
        config.values().removeIf(v -> v instanceof String s && s.isBlank());
        return config;
    }

    @PreDestroy
    synchronized void close() {
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debug("closing the checkpoint reader", e);
            }
            consumer = null;
            newest.clear();
        }
    }
}
