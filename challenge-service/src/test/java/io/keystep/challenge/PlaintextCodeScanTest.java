package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisAcl;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SharedServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.ScanParams;
import redis.clients.jedis.ScanResult;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class PlaintextCodeScanTest {

    private static final int VERIFICATIONS = 1000;
    private static final int TENANTS = 10;
    /**
     * A code as it would leak: six digits standing alone (a JSON value, a field, a word), not inside a longer
     * token such as a timestamp, a phone number, a hex digest, a UUID or base64url ciphertext, where six digits
     * occur by chance.
     */
    private static final Pattern DIGIT_RUN = Pattern.compile("(?<![0-9A-Za-z_-])[0-9]{6}(?![0-9A-Za-z_-])");

    @Inject
    ObjectMapper mapper;

    @TestHTTPResource("/")
    URI base;

    @Test
    void thousandVerificationsLeaveNoPlaintextCodeInAnyRedisKeyOrKafkaRecord() throws Exception {
        String run = LoginThread.unique("scan");
        HttpClient client = HttpClient.newHttpClient();
        List<String> ids = new ArrayList<>();
        Map<String, String> tenantOf = new HashMap<>();
        for (int batch = 0; batch < VERIFICATIONS / 50; batch++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            List<String> tenants = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = batch * 50 + i;
                String tenant = run + "-" + (n % TENANTS);
                tenants.add(tenant);
                String phone = "+1555" + String.format("%07d", n);
                calls.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/verifications"))
                        .header("Authorization", "Bearer " + Tokens.gateway(tenant))
                        .header("X-Forwarded-For", "10.1." + (n / 250) + "." + (n % 250))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(VerifyApi.sms(phone, "user-" + n)))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < calls.size(); i++) {
                HttpResponse<String> answer = calls.get(i).join();
                assertThat(answer.body(), answer.statusCode(), equalTo(201));
                String id = mapper.readTree(answer.body()).get("id").asText();
                ids.add(id);
                tenantOf.put(id, tenants.get(i));
            }
        }

        Set<String> idSet = new HashSet<>(ids);
        List<ConsumerRecord<String, String>> jobs = EventLog.await(Topics.CHALLENGE_ISSUED, VERIFICATIONS,
                r -> r.value().contains(run));
        Set<String> codes = new HashSet<>();
        for (ConsumerRecord<String, String> job : jobs) {
            var payload = mapper.readTree(job.value()).get("payload");
            String id = payload.get("challengeId").asText();
            if (idSet.contains(id)) {
                codes.add(SealedCodes.open(payload.get("sealedCode").asText(), tenantOf.get(id), id));
            }
        }
        assertThat(codes.size(), greaterThan(VERIFICATIONS * 9 / 10)); // distinct codes; a few coincide

        List<String> leaks = new ArrayList<>();
        int keys = 0;
        // Every key of the server, not only the service's: read as the operator, since no service may list keys.
        try (Jedis operator = SharedServers.redis().connect(RedisAcl.OPERATOR.name())) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = operator.scan(cursor, new ScanParams().count(1000));
                for (String key : page.getResult()) {
                    keys++;
                    scan("redis key " + key, key, codes, leaks);
                    switch (operator.type(key)) {
                        case "string" -> scan("redis " + key, operator.get(key), codes, leaks);
                        case "hash" -> operator.hgetAll(key).forEach((field, value) ->
                                scan("redis " + key + "." + field, field + "=" + value, codes, leaks));
                        case "zset" -> operator.zrange(key, 0, -1)
                                .forEach(member -> scan("redis " + key, member, codes, leaks));
                        default -> leaks.add("unexpected redis type at " + key);
                    }
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        assertThat(keys, greaterThan(VERIFICATIONS));
        for (ConsumerRecord<String, String> record : EventLog.all()) {
            scan("kafka " + record.topic() + " key", record.key(), codes, leaks);
            scan("kafka " + record.topic() + "@" + record.offset(), record.value(), codes, leaks);
        }
        assertThat(leaks, empty());
    }

    private static void scan(String where, String text, Set<String> codes, List<String> leaks) {
        if (text == null) {
            return;
        }
        Matcher m = DIGIT_RUN.matcher(text);
        while (m.find()) {
            if (codes.contains(m.group())) {
                leaks.add(where + " holds " + m.group().substring(0, 2) + "****");
            }
        }
    }
}
