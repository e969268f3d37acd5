package io.keystep.audit;

import io.keystep.audit.messaging.AuditIngest;
import io.keystep.audit.messaging.IngestMetrics;
import io.keystep.audit.domain.IncomingRecord;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Topics;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A database outage and a second instance joining and leaving the group: nothing lost, nothing stored twice. */
@QuarkusTest
class IngestResilienceTest {

    static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    IngestMetrics metrics;

    @Inject
    AuditIngest ingest;

    @TestHTTPResource("/v1/audit/stream")
    URL streamUrl;

    @Test
    void postgresStoppedAndRestartedDuringIngestLosesNothing() throws Exception {
        String tenant = Trail.unique("outage");
        List<Envelope<LoginAttempted>> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(send(tenant, "u" + (i % 5), i));
        }
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 20);

        double failuresBefore = metrics.failures();
        Map<TopicPartition, Long> writtenUpTo = endOffsets(Topics.LOGIN);
        RestartablePostgres.get().stop();
        try {
            for (int i = 20; i < 50; i++) {
                sent.add(send(tenant, "u" + (i % 5), i));
            }
            // ingest is now retrying the batch it cannot write, its offsets uncommitted
            await().atMost(WAIT).until(() -> metrics.failures() > failuresBefore);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> committedWithin(writtenUpTo));
        } finally {
            RestartablePostgres.get().start();
        }

        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 50);
        var rows = Trail.rows("tenant_id = ?", tenant);
        assertEquals(50, rows.stream().map(r -> r.get("event_id")).distinct().count());
        assertTrue(sent.stream().allMatch(e -> rows.stream().anyMatch(r -> r.get("event_id").equals(e.eventId()))));
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(true)).body("rowsChecked", equalTo(50));

        // the live stream listens again after the restart
        List<String> received = new CopyOnWriteArrayList<>();
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(streamUrl + ""))
                .header("Authorization", "Bearer " + Tokens.compliance(tenant)).header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> response.body().forEach(received::add));
        reader.setDaemon(true);
        reader.start();
        try {
            // a row stored before the listener is back is not streamed (the stream is live only): probe until one is
            boolean seen = false;
            Instant deadline = Instant.now().plus(WAIT);
            for (int i = 100; !seen && Instant.now().isBefore(deadline); i++) {
                Envelope<LoginAttempted> probe = send(tenant, "after-restart", i);
                try {
                    await().atMost(Duration.ofSeconds(5))
                            .until(() -> received.stream().anyMatch(l -> l.contains(probe.eventId().toString())));
                    seen = true;
                } catch (org.awaitility.core.ConditionTimeoutException notYet) {
                    // listener not back yet
                }
            }
            assertTrue(seen, "the live stream delivers again after PostgreSQL restarted");
        } finally {
            response.body().close();
        }
    }

    @Test
    void aSecondInstanceJoiningAndLeavingTheGroupStoresEveryEventOnce() throws Exception {
        String tenant = Trail.unique("rebalance");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger assigned = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        Thread second = new Thread(() -> runSecondInstance(running, assigned, processed), "second-audit-instance");
        second.start();
        try {
            await().atMost(WAIT).until(() -> assigned.get() > 0);
            for (int i = 0; i < 100; i++) {
                send(tenant, "user-" + (i % 20), i);
            }
            await().atMost(WAIT).until(() -> processed.get() > 0);
        } finally {
            running.set(false);
            second.join(Duration.ofSeconds(60).toMillis());
        }
        for (int i = 100; i < 200; i++) {
            send(tenant, "user-" + (i % 20), i);
        }
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() >= 200);
        var rows = Trail.rows("tenant_id = ?", tenant);
        assertEquals(200, rows.size());
        assertEquals(200, rows.stream().map(r -> r.get("event_id")).distinct().count());
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(true)).body("rowsChecked", equalTo(200));
    }

    /** Another member of group audit-service that runs the same ingest and commits after it, as a second replica. */
    private void runSecondInstance(AtomicBoolean running, AtomicInteger assigned, AtomicInteger processed) {
        Properties props = new Properties();
        props.putAll(SharedServers.kafka().clientConfig(io.keystep.events.BusAccess.AUDIT_SERVICE));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "audit-service");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20");
        List<String> topics = new ArrayList<>(Topics.ALL);
        Topics.ALL.forEach(t -> topics.add(Topics.deadLetter(t)));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assigned.addAndGet(partitions.size());
                }
            });
            while (running.get()) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                List<IncomingRecord> batch = new ArrayList<>();
                for (ConsumerRecord<String, String> record : records) {
                    java.util.Map<String, String> headers = new java.util.HashMap<>();
                    record.headers().forEach(h -> headers.put(h.key(),
                            new String(h.value(), java.nio.charset.StandardCharsets.UTF_8)));
                    batch.add(new IncomingRecord(record.topic(), record.partition(), record.offset(),
                            Instant.ofEpochMilli(record.timestamp()), record.key(), record.value(), headers));
                }
                ingest.ingest(batch).await().atMost(Duration.ofSeconds(60));
                consumer.commitSync();
                processed.addAndGet(batch.size());
            }
        }
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(SharedServers.kafka().adminConfig(),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions);
        }
    }

    /** Whether group audit-service has committed no offset past {@code limits} on their partitions. */
    private static boolean committedWithin(Map<TopicPartition, Long> limits) throws Exception {
        try (Admin admin = SharedServers.kafka().admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("audit-service")
                    .partitionsToOffsetAndMetadata().get();
            return limits.entrySet().stream().allMatch(limit -> committed.get(limit.getKey()) == null
                    || committed.get(limit.getKey()).offset() <= limit.getValue());
        }
    }

    private static Envelope<LoginAttempted> send(String tenant, String user, int i) {
        Envelope<LoginAttempted> login = AuditIngestTest.login(tenant, user, Instant.parse("2026-07-01T00:00:00Z").plusSeconds(i));
        Trail.send(Topics.LOGIN, login, user);
        return login;
    }
}
