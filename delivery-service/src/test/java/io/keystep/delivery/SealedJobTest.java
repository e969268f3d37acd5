package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.events.BusAccess;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.SmsSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A delivery job replayed by whoever can write {@code challenge.issued.v1} (only the {@code challenge-service}
 * principal may) with changed plain fields: the genuine record is read off the bus with a plain Kafka consumer, edited
 * as JSON, and published again. Its sealed code was sealed for the genuine use only, so delivery refuses the copy: the
 * record goes to the dead-letter topic, nothing is sent, and no code reaches a log line or a status.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class SealedJobTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    ObjectMapper json;

    private final SmsSink sink = SmsSinkTestResource.sink();

    @Test
    void aJobRepublishedToAnotherNumberWithALaterSendAttemptIsDeadLetteredAndSendsNothing() throws Exception {
        LogCapture logs = LogCapture.install();
        String victim = Jobs.usNumber();
        String attacker = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), victim, code);
        job.publish(json);
        await().atMost(WAIT).until(() -> sink.messagesTo(victim).size() == 1);

        ConsumerRecord<String, String> genuine = recordOf(job.challengeId());
        republished(genuine, payload -> {
            payload.put("destination", attacker);
            payload.put("sendAttempt", payload.get("sendAttempt").asInt() + 5);
        });

        awaitDeadLetteredOrSentTo(job.challengeId(), attacker);
        assertTrue(sink.messagesTo(attacker).isEmpty(), "the victim's code was texted to another number");
        assertTrue(deadLettered(job.challengeId(), attacker), "the altered job is on the dead-letter topic");
        assertEquals(1, sink.messagesTo(victim).size(), "and it was not sent again to the victim either");
        assertEquals(1, statusesOf(job.challengeId()).size(), "no status speaks for the altered job");

        // The refused copy took nothing: the genuine resend of the challenge still goes out.
        String next = Jobs.code();
        job.resentWith(next).publish(json);
        await().atMost(WAIT).until(() -> sink.messagesTo(victim).stream().anyMatch(m -> m.body().contains(next)));
        assertTrue(sink.messagesTo(attacker).isEmpty());

        Pattern alone = Pattern.compile("(?<![0-9A-Za-z])" + code + "(?![0-9A-Za-z])");
        for (String line : logs.lines()) {
            assertFalse(alone.matcher(line).find(), "a code appears in a log line");
            assertFalse(line.contains(attacker), "a full number appears in a log line");
        }
    }

    @Test
    void aJobRepublishedOnAnotherChannelIsDeadLetteredAndSendsNothing() throws Exception {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, Jobs.code());
        job.publish(json);
        await().atMost(WAIT).until(() -> sink.messagesTo(number).size() == 1);

        republished(recordOf(job.challengeId()), payload -> {
            payload.putArray("channelPlan").add("VOICE");
            payload.put("sendAttempt", payload.get("sendAttempt").asInt() + 5);
        });

        awaitDeadLetteredOrStatus(job.challengeId(), "VOICE");
        assertTrue(deadLettered(job.challengeId(), "VOICE"));
        assertEquals(List.of("SMS"), statusesOf(job.challengeId()).stream()
                .map(s -> s.get("payload").get("channel").asText()).toList(), "no voice call carries the code");
        assertEquals(1, sink.messagesTo(number).size());
    }

    @Test
    void aJobRepublishedForAnotherPurposeIsDeadLetteredAndSendsNothing() throws Exception {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, Jobs.code());
        job.publish(json);
        await().atMost(WAIT).until(() -> sink.messagesTo(number).size() == 1);

        republished(recordOf(job.challengeId()), payload -> {
            payload.put("purpose", "RECOVERY");
            payload.put("sendAttempt", payload.get("sendAttempt").asInt() + 5);
        });

        await().atMost(WAIT).until(() -> deadLettered(job.challengeId(), "RECOVERY")
                || sink.messagesTo(number).size() > 1);
        assertEquals(1, sink.messagesTo(number).size(), "the code went out a second time, for another purpose");
        assertTrue(deadLettered(job.challengeId(), "RECOVERY"));
    }

    @Test
    void aNoticesSealedDestinationsRelabelledAsACodeAreRefused() throws Exception {
        String number = Jobs.usNumber();
        Jobs.Job carrier = Jobs.Job.sms(Jobs.tenant(), number, Jobs.code());
        // What a factor-change notice carries, sealed by challenge-service for its event (here the job's id).
        String noticeSeal = Jobs.sealNotice("SMS:" + number, carrier.tenantId(), carrier.challengeId(),
                carrier.userId());
        carrier.withSealedCode(noticeSeal).publish(json);

        await().atMost(WAIT).until(() -> deadLettered(carrier.challengeId(), noticeSeal)
                || !sink.messagesTo(number).isEmpty());
        assertTrue(sink.messagesTo(number).isEmpty(), "a notice's destinations went out as a code");
        assertTrue(deadLettered(carrier.challengeId(), noticeSeal));
        assertTrue(statusesOf(carrier.challengeId()).isEmpty());
    }

    /** The genuine job as it sits on the bus, read with a plain consumer of the delivery workers' principal. */
    private static ConsumerRecord<String, String> recordOf(String challengeId) {
        Map<String, Object> config = SharedServers.kafka().clientConfig(BusAccess.SMS_WORKER, Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CHALLENGE_ISSUED).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null && record.value().contains(challengeId)) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("job " + challengeId + " not found on " + Topics.CHALLENGE_ISSUED);
    }

    /** The record again, its payload edited, published as challenge-service (the one principal that may). */
    private void republished(ConsumerRecord<String, String> record, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode envelope = (ObjectNode) json.readTree(record.value());
        edit.accept((ObjectNode) envelope.get("payload"));
        Map<String, Object> config = SharedServers.kafka().clientConfig(BusAccess.CHALLENGE_SERVICE, Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all"));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(Topics.CHALLENGE_ISSUED, record.key(),
                    json.writeValueAsString(envelope))).get(20, TimeUnit.SECONDS);
        }
    }

    private void awaitDeadLetteredOrSentTo(String challengeId, String number) {
        await().atMost(WAIT).until(() -> deadLettered(challengeId, number) || !sink.messagesTo(number).isEmpty());
    }

    private void awaitDeadLetteredOrStatus(String challengeId, String channel) {
        await().atMost(WAIT).until(() -> deadLettered(challengeId, channel) || statusesOf(challengeId).stream()
                .anyMatch(s -> channel.equals(s.get("payload").get("channel").asText())));
    }

    /** A dead-lettered copy of the job that holds {@code marker} (what the copy changed). */
    private static boolean deadLettered(String challengeId, String marker) {
        return Jobs.deadLetterRecords().stream()
                .anyMatch(r -> r.value().contains(challengeId) && r.value().contains(marker));
    }

    private List<JsonNode> statusesOf(String challengeId) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (ConsumerRecord<String, String> record : Jobs.statusRecords()) {
            JsonNode node = json.readTree(record.value());
            if (challengeId.equals(node.get("payload").get("challengeId").asText())) {
                found.add(node);
            }
        }
        return found;
    }
}
