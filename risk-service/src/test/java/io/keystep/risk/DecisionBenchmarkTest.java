package io.keystep.risk;

import io.keystep.events.Purpose;
import io.keystep.kit.formats.TrustedDeviceTokens;
import io.keystep.kit.formats.TrustedDeviceTokens.Verdict;
import io.keystep.risk.domain.DeviceToken;
import io.keystep.risk.domain.GeoPoint;
import io.keystep.risk.domain.Location;
import io.keystep.risk.domain.LoginFacts;
import io.keystep.risk.domain.NetworkListing;
import io.keystep.risk.domain.PreviousLogin;
import io.keystep.risk.messaging.LoginAssessor;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prints how long a decision takes inside the service: profile reads in Redis, GeoIP lookup, trusted-device token
 * verification (Ed25519) and revocation lookup on half the logins, scoring, profile writes and the decision memo,
 * without Kafka's transport. A benchmark prints
 * figures; it does not time-assert (the machine is shared).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class DecisionBenchmarkTest {

    private static final int WARM_UP = 300;
    private static final int MEASURED = 2000;

    @Inject
    LoginAssessor assessor;

    @Inject
    RedisDataSource redis;

    @Test
    void printsDecisionLatencyPercentiles() {
        String tenant = RiskKafka.unique("bench");
        String[] users = new String[50];
        for (int i = 0; i < users.length; i++) {
            users[i] = RiskKafka.unique("bench" + i);
        }
        RiskProfiles.approveDevice(redis, tenant, users[0], "fp-bench-0");
        String[] ips = {GeoTestDatabase.BERLIN_IP, GeoTestDatabase.SYDNEY_IP, "192.0.2.70", GeoTestDatabase.PARIS_IPV6};

        DeviceTokenSigner signer = DeviceTokenSigner.ofService();
        Instant expiry = Instant.now().plus(Duration.ofDays(30));
        long[] nanos = new long[MEASURED];
        for (int i = 0; i < WARM_UP + MEASURED; i++) {
            String user = users[i % users.length];
            String fingerprint = "fp-bench-" + (i % 3);
            // half the logins present a token: valid, or (every tenth) issued for another device
            String token = i % 2 == 0 ? null : signer.token(tenant, user, i % 10 == 1 ? "fp-other" : fingerprint,
                    "dev-" + (i % 3), expiry);
            var login = RiskKafka.loginEvent(tenant, user, RiskKafka.unique("bench-login"), i % 7 != 0,
                    fingerprint, token, ips[i % ips.length], Purpose.LOGIN);
            long start = System.nanoTime();
            assessor.assess(login).await().atMost(Duration.ofSeconds(5));
            long took = System.nanoTime() - start;
            if (i >= WARM_UP) {
                nanos[i - WARM_UP] = took;
            }
        }
        Arrays.sort(nanos);
        double p50 = nanos[MEASURED / 2] / 1e6;
        double p99 = nanos[(int) (MEASURED * 0.99)] / 1e6;
        double max = nanos[MEASURED - 1] / 1e6;
        System.out.printf("%nrisk-service decision latency over %d logins: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n%n",
                MEASURED, p50, p99, max);
        assertTrue(p50 > 0);
    }

    @Test
    void printsTrustedDeviceTokenVerificationLatency() {
        var pair = DeviceTokenSigner.generate();
        var tokens = TrustedDeviceTokens.withKeys(java.util.List.of(DeviceTokenSigner.encodePublic(pair)));
        String token = new DeviceTokenSigner(pair.getPrivate())
                .token("acme", "alice", "fp-laptop", "dev-1", Instant.now().plus(Duration.ofDays(30)));
        int n = 3000;
        long[] nanos = new long[n];
        int valid = 0;
        for (int i = 0; i < n + 500; i++) {
            long start = System.nanoTime();
            boolean ok = tokens.check(token, "acme", "alice", "fp-laptop", Instant.now()).verdict() == Verdict.VALID;
            long took = System.nanoTime() - start;
            if (i >= 500) {
                nanos[i - 500] = took;
                valid += ok ? 1 : 0;
            }
        }
        Arrays.sort(nanos);
        System.out.printf("%nrisk-service trusted-device token check (Ed25519) over %d tokens: p50 %.1f µs, "
                + "p99 %.1f µs%n%n", n, nanos[n / 2] / 1e3, nanos[(int) (n * 0.99)] / 1e3);
        assertTrue(valid == n);
    }

    @Test
    void printsScoringLatencyWithoutRedis() {
        var evaluator = EvaluatorFixtures.evaluator();
        var policy = EvaluatorFixtures.policy();
        var berlin = new Location("DE", "Berlin", new GeoPoint(52.52, 13.405));
        var previous = new PreviousLogin(
                new GeoPoint(-33.87, 151.21), Instant.now().minusSeconds(600));
        int n = 200_000;
        long[] nanos = new long[n];
        long sink = 0;
        for (int i = 0; i < n; i++) {
            var facts = new LoginFacts(true, Purpose.LOGIN, Instant.now(), i % 2 == 0,
                    DeviceToken.NONE, berlin, i % 3 == 0, previous, i % 5 == 0, i % 7, i % 30,
                    NetworkListing.NONE, false);
            long start = System.nanoTime();
            sink += evaluator.evaluate(facts, policy, false).score();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        System.out.printf("%nrisk-service scoring alone over %d logins: p50 %.1f µs, p99 %.1f µs (checksum %d)%n%n",
                n, nanos[n / 2] / 1e3, nanos[(int) (n * 0.99)] / 1e3, sink);
        assertTrue(sink > 0);
    }
}
