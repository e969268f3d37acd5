package io.keystep.risk;

import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import io.keystep.kit.messaging.TenantProof;
import io.keystep.testsupport.auth.Tokens;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
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
 * How many logins per second the {@code auth.login.v1} consumer decides end to end (Kafka in, Redis, Kafka out with
 * acks=all), from a backlog published at once: the figure a login burst meets. Prints figures, asserts only that
 * every login was decided exactly once and each user's decisions came out in the order of their logins.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class LoginThroughputBenchmarkTest {

    private static final int USERS = 200;
    private static final int LOGINS = 4000;

    @Test
    void printsLoginConsumerThroughputFromABacklog() {
        ConsumerTask<String, String> assessed = RiskKafka.companion().consumeStrings().fromTopics(Topics.RISK_ASSESSED);
        // Warm-up: the consumer, the connections and the JIT, outside the measurement.
        run(RiskKafka.unique("warm"), 400, 40, assessed);
        Result r = run(RiskKafka.unique("burst"), LOGINS, USERS, assessed);
        System.out.printf("%nrisk-service login consumer: %d logins of %d users decided in %d ms from a backlog: "
                        + "%.0f logins/s%n%n", LOGINS, USERS, r.millis(), LOGINS * 1000.0 / r.millis());
    }

    private record Result(long millis) {
    }

    private static Result run(String tenant, int logins, int userCount, ConsumerTask<String, String> assessed) {
        List<ProducerRecord<String, String>> records = new ArrayList<>(logins);
        Map<String, List<String>> sentByUser = new HashMap<>();
        String[] ips = {GeoTestDatabase.BERLIN_IP, GeoTestDatabase.SYDNEY_IP, "192.0.2.70"};
        // the gateway's token, minted once and carried by every login, as a gateway does
        byte[] authorization = RiskKafka.bearer(Tokens.gateway(tenant)).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < logins; i++) {
            String user = "u" + (i % userCount);
            String loginId = tenant + "-login-" + i;
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.LOGIN, Topics.key(tenant, user),
                    RiskKafka.write(RiskKafka.loginEvent(tenant, user, loginId, i % 9 != 0, "fp-" + (i % 3),
                            ips[i % ips.length], Purpose.LOGIN)));
            record.headers().add(TenantProof.AUTHORIZATION, authorization);
            records.add(record);
            sentByUser.computeIfAbsent(user, u -> new ArrayList<>()).add(loginId);
        }
        String prefix = tenant + ":";
        long start = System.nanoTime();
        RiskKafka.companion().produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(120));
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> count(assessed, prefix) >= logins);
        long millis = (System.nanoTime() - start) / 1_000_000;

        // Exactly once each, and per user in the order the logins were published.
        Map<String, List<String>> decidedByUser = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<String, String> r : List.copyOf(assessed.getRecords())) {
            if (r.key() != null && r.key().startsWith(prefix)) {
                String loginId = RiskKafka.read(r.value()).path("correlationId").asText();
                seen.add(loginId);
                decidedByUser.computeIfAbsent(r.key().substring(prefix.length()), u -> new ArrayList<>()).add(loginId);
            }
        }
        assertEquals(logins, seen.size(), "every login decided");
        assertEquals(logins, count(assessed, prefix), "none decided twice");
        assertEquals(sentByUser, decidedByUser, "each user's decisions in the order of the logins");
        return new Result(Math.max(1, millis));
    }

    private static long count(ConsumerTask<String, String> assessed, String prefix) {
        long n = 0;
        for (ConsumerRecord<String, String> r : List.copyOf(assessed.getRecords())) {
            if (r.key() != null && r.key().startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }
}
