package io.keystep.challenge;

import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.LocalPostgres;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.LocalRedis;
import io.keystep.testsupport.TestedService;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;

/**
 * Readiness follows the servers the service needs: it turns DOWN (503, naming the failing check) when Redis or
 * PostgreSQL stops and UP again when it is back. The servers are this test's own, never the shared ones. This
 * instance is also started without any token-verifying key, as a deployment that forgot it would be: it must
 * refuse every call rather than serve one.
 */
@QuarkusTest
@TestProfile(ReadinessTest.OwnStores.class)
class ReadinessTest {

    /** Kafka as everywhere; Redis and PostgreSQL of this test only; no token-verifying key. */
    public static class OwnStores implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            // NONE is SmallRye JWT's own default for an absent key location: as if the property were not set. The
            // event origin key is required to start (pushes' delivery reports are checked with it).
            return Map.of("mp.jwt.verify.publickey.location", "NONE", "keystep.event-origin.key",
                    io.keystep.testsupport.auth.EventOriginKey.base64());
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaTestResource.class),
                    new TestResourceEntry(Servers.class));
        }
    }


    /** Starts the Redis and PostgreSQL that this test stops and restarts. */
    public static class Servers implements QuarkusTestResourceLifecycleManager {

        static volatile LocalRedis redis;
        static volatile LocalPostgres postgres;

        @Override
        public Map<String, String> start() {
            redis = LocalRedis.start(0);
            postgres = LocalPostgres.start(0);
            Map<String, String> properties = new java.util.HashMap<>(
                    PostgresTestResource.properties(postgres.roles("challenge")));
            properties.putAll(redis.clientConfig(TestedService.name()));
            return properties;
        }

        @Override
        public void stop() {
            if (redis != null) {
                redis.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    private static void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                ManagementPort.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));
    }

    @Test
    void withoutAVerifyingKeyEveryCallIsRefusedAsUnauthenticated() {
        String tenant = LoginThread.unique("nokey");
        given().auth().oauth2(Tokens.gateway(tenant)).get("/v1/logins/{id}", "some-login").then().statusCode(401)
                .contentType(containsString("application/problem+json"));
        given().auth().oauth2(Tokens.admin(tenant)).get("/v1/settings/verify").then().statusCode(401);
        ManagementPort.given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void readinessGoesDownWhenRedisStopsAndUpWhenItIsBack() {
        awaitReady();
        ManagementPort.given().get("/q/health/ready").then().body("checks.name", hasItem(containsString("Redis")))
                .body("checks.name", hasItem(containsString("PostgreSQL")))
                .body("checks.name", hasItem(containsString("Messaging")));
        int port = Servers.redis.port();
        Servers.redis.close();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    ManagementPort.given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                            .body("checks.findAll { it.status == 'DOWN' }.name", hasItem(containsString("Redis")))
                            .body("checks.findAll { it.status == 'DOWN' }.name",
                                    everyItem(containsString("Redis"))));
        } finally {
            Servers.redis = LocalRedis.start(port, Servers.redis.passwords());
        }
        awaitReady();
    }

    @Test
    void readinessGoesDownWhenPostgresqlStopsAndUpWhenItIsBack() {
        awaitReady();
        int port = Servers.postgres.port();
        Servers.postgres.close();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    ManagementPort.given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                            .body("checks.findAll { it.status == 'DOWN' }.name", hasItem(containsString("PostgreSQL"))));
        } finally {
            Servers.postgres = LocalPostgres.start(port);
            Servers.postgres.roles("challenge");
        }
        awaitReady();
    }
}
