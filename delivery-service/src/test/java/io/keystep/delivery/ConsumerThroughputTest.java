package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Measures how fast one instance works through a burst of delivery jobs against a provider that takes 100 ms per
 * message, and prints the figure (no timed assertion: the figure depends on the machine). What it asserts is that no
 * job is lost or dead-lettered and that each person's jobs keep their order. {@link SequentialConsumerThroughputTest}
 * runs the same burst one job at a time, the way the consumer used to work.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
class ConsumerThroughputTest {

    private static final String TENANT = "throughput-tenant";
    private static final int PEOPLE = 40;
    private static final int SENDS_EACH = 3;
    /** The code is the only run of four or more digits in the message. */
    private static final java.util.regex.Pattern CODE = java.util.regex.Pattern.compile("\\b(\\d{4,})\\b");

    @Inject
    ObjectMapper json;

    @Inject
    DeliveryConfig config;

    @Test
    void aBurstOfJobsIsDeliveredWithoutLossAndInOrderPerPerson() {
        // Each person gets a send and two resends of one challenge, in order on one key; people are independent.
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        Map<String, List<Jobs.Job>> perPerson = new HashMap<>();
        for (int p = 0; p < PEOPLE; p++) {
            Jobs.Job job = Jobs.Job.sms(TENANT, Jobs.usNumber(), Jobs.code());
            List<Jobs.Job> sends = new ArrayList<>(List.of(job));
            for (int s = 1; s < SENDS_EACH; s++) {
                sends.add(sends.get(s - 1).resentWith(Jobs.code()));
            }
            perPerson.put(job.challengeId(), sends);
        }
        for (int s = 0; s < SENDS_EACH; s++) {
            for (List<Jobs.Job> sends : perPerson.values()) {
                Jobs.Job job = sends.get(s);
                records.add(new ProducerRecord<>(Topics.CHALLENGE_ISSUED, Topics.key(job.tenantId(), job.userId()),
                        job.json(json)));
            }
        }
        int providerRequestsBefore = ProviderStandInsTestResource.LAGGING.requests().size();

        long start = System.nanoTime();
        Jobs.kafka().produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(60));
        // Done when every challenge has SENT once per send.
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> sentPerChallenge(perPerson.keySet()).values().stream()
                        .mapToInt(Integer::intValue).sum() == PEOPLE * SENDS_EACH);
        double seconds = (System.nanoTime() - start) / 1e9;
        int jobs = PEOPLE * SENDS_EACH;
        System.out.printf("delivery-service consumer throughput: %d jobs (%d people x %d sends), provider 100 ms per "
                        + "message, concurrency %d: %.2f s, %.1f jobs/s%n", jobs, PEOPLE, SENDS_EACH,
                config.consumer().concurrency(), seconds, jobs / seconds);

        // Only this burst's jobs count: the JVM's broker also carries other test classes' dead letters.
        assertEquals(0, Jobs.deadLetterRecords().stream()
                .filter(record -> perPerson.keySet().stream().anyMatch(id -> record.value().contains(id)))
                .count(), "no job went to the dead-letter topic");
        assertEquals(jobs, ProviderStandInsTestResource.LAGGING.requests().size() - providerRequestsBefore,
                "every job sent exactly once");
        // Per person, the messages reached the provider in send order: each resend's code after the previous one.
        List<ProviderStandIn.Request> received = ProviderStandInsTestResource.LAGGING.requests();
        Map<String, List<String>> codesByChallenge = new HashMap<>();
        for (ProviderStandIn.Request request : received.subList(providerRequestsBefore, received.size())) {
            try {
                JsonNode message = json.readTree(request.body());
                java.util.regex.Matcher code = CODE.matcher(message.get("text").asText());
                if (code.find()) {
                    codesByChallenge.computeIfAbsent(message.get("challengeId").asText(), c -> new ArrayList<>())
                            .add(code.group(1));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        for (Map.Entry<String, List<Jobs.Job>> person : perPerson.entrySet()) {
            List<String> sent = person.getValue().stream().map(ConsumerThroughputTest::codeOf).toList();
            assertEquals(sent, codesByChallenge.get(person.getKey()), "one person's sends in order");
        }
    }

    /** The plaintext code of a job, for the test only (it generated and sealed it). */
    private static String codeOf(Jobs.Job job) {
        return job.code();
    }

    private Map<String, Integer> sentPerChallenge(Set<String> challenges) {
        Map<String, Integer> sent = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<String, String> record : Jobs.statusRecords()) {
            if (!record.key().startsWith(TENANT + ":") || !seen.add(record.topic() + record.partition() + ":"
                    + record.offset())) {
                continue;
            }
            try {
                JsonNode payload = json.readTree(record.value()).get("payload");
                String challenge = payload.get("challengeId").asText();
                if (challenges.contains(challenge) && "SENT".equals(payload.get("status").asText())) {
                    sent.merge(challenge, 1, Integer::sum);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return sent;
    }
}
