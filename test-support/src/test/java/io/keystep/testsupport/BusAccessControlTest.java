package io.keystep.testsupport;

import io.keystep.events.BusAccess;
import io.keystep.events.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker every test and the local run start: nobody without credentials gets in, and each principal writes and
 * reads only what the ACL table grants it.
 */
class BusAccessControlTest {

    private static LocalKafka kafka;

    @BeforeAll
    static void start() {
        kafka = LocalKafka.start(0);
        kafka.createTopics(SharedServers.platformTopics(), 1);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void aClientWithoutCredentialsCanNeitherProduceNorConsume() {
        Map<String, Object> anonymous = Map.of("bootstrap.servers", kafka.bootstrapServers());
        Throwable refused = send(anonymous, Topics.LOGIN);
        assertTrue(refused instanceof org.apache.kafka.common.errors.TimeoutException
                || refused instanceof org.apache.kafka.common.errors.DisconnectException, String.valueOf(refused));
        assertThrows(IllegalStateException.class, () -> poll(anonymous, Topics.LOGIN_DECISION, "gateway-anonymous"));
    }

    @Test
    void aWrongPasswordIsRefused() {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig(BusAccess.GATEWAY));
        config.put("sasl.jaas.config", BusCredentials.jaas(BusAccess.GATEWAY, "guessed"));
        assertInstanceOf(SaslAuthenticationException.class, send(config, Topics.LOGIN));
    }

    @Test
    void aGatewayWritesLoginsButNotAssessmentsOrDecisions() {
        Map<String, Object> gateway = kafka.clientConfig(BusAccess.GATEWAY);
        assertNull(send(gateway, Topics.LOGIN));
        assertInstanceOf(TopicAuthorizationException.class, send(gateway, Topics.RISK_ASSESSED));
        assertInstanceOf(TopicAuthorizationException.class, send(gateway, Topics.LOGIN_DECISION));
        assertInstanceOf(TopicAuthorizationException.class, send(gateway, Topics.VERIFICATION_COMPLETED));
    }

    @Test
    void aGatewayReadsDecisionsInItsOwnGroupsOnly() {
        Map<String, Object> gateway = kafka.clientConfig(BusAccess.GATEWAY);
        assertNotNull(poll(gateway, Topics.LOGIN_DECISION, "gateway-eu-1"));
        assertThrows(GroupAuthorizationException.class, () -> poll(gateway, Topics.LOGIN_DECISION, "risk-service"));
        assertThrows(TopicAuthorizationException.class, () -> poll(gateway, Topics.CHALLENGE_ISSUED, "gateway-eu-1"));
    }

    @Test
    void deliveryServiceCannotApproveAVerification() {
        Map<String, Object> delivery = kafka.clientConfig(BusAccess.DELIVERY_SERVICE);
        assertInstanceOf(TopicAuthorizationException.class, send(delivery, Topics.VERIFICATION_COMPLETED));
        assertNull(send(delivery, Topics.DELIVERY_STATUS));
        assertNull(send(delivery, Topics.deadLetter(Topics.CHALLENGE_ISSUED)));
    }

    @Test
    void anSmsWorkerReadsJobsAndReportsStatusesOnly() {
        Map<String, Object> worker = kafka.clientConfig(BusAccess.SMS_WORKER);
        assertNull(send(worker, Topics.DELIVERY_STATUS));
        assertInstanceOf(TopicAuthorizationException.class, send(worker, Topics.CHALLENGE_ISSUED));
        assertNotNull(poll(worker, Topics.CHALLENGE_ISSUED, "sms-worker-1"));
        assertThrows(TopicAuthorizationException.class, () -> poll(worker, Topics.VERIFICATION_COMPLETED, "sms-worker-1"));
    }

    @Test
    void complianceReadsCheckpointsAndWritesNothing() {
        Map<String, Object> compliance = kafka.clientConfig(BusAccess.COMPLIANCE);
        assertNotNull(poll(compliance, Topics.AUDIT_CHECKPOINT, "compliance-team"));
        // A principal with no write grant at all is refused even the producer id an idempotent producer asks for first.
        // Whether the refusal fails the record's future or send() itself (wrapped, once the producer is in its error
        // state) depends on which comes first, so the refusal is looked for along the cause chain.
        Throwable refused = send(compliance, Topics.AUDIT_CHECKPOINT);
        assertTrue(causedBy(refused, org.apache.kafka.common.errors.AuthorizationException.class), String.valueOf(refused));
        assertThrows(TopicAuthorizationException.class, () -> poll(compliance, Topics.LOGIN, "compliance-team"));
    }

    @Test
    void noClientCreatesATopicByNamingIt() {
        Map<String, Object> risk = kafka.clientConfig(BusAccess.RISK_SERVICE);
        String topic = "made-up-" + UUID.randomUUID();
        assertNotNull(send(risk, topic));
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            assertFalse(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyServiceWritesWhatItProducesAndItsDeadLetters() {
        for (BusAccess.Grant grant : BusAccess.GRANTS) {
            Map<String, Object> config = kafka.clientConfig(grant.principal());
            for (String topic : grant.writes()) {
                assertNull(send(config, topic), grant.principal() + " writes " + topic);
            }
        }
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Sends one record and says what went wrong, or null when the broker acknowledged it. */
    private static Throwable send(Map<String, Object> client, String topic) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 4000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, "t:u", "{}")).get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    /** Joins the group, polls the topic for a few seconds and returns what it read. */
    private static List<String> poll(Map<String, Object> client, String topic, String group) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4000);
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            List<String> values = new java.util.ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            boolean assigned = false;
            while (System.nanoTime() < until) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                assigned |= !consumer.assignment().isEmpty();
            }
            if (!assigned) {
                throw new IllegalStateException("never joined the group " + group + " on " + topic);
            }
            return values;
        }
    }
}
