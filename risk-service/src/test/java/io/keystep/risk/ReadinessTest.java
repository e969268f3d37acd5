package io.keystep.risk;

import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.LocalRedis;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness follows the backing servers: down while Redis is gone (the Redis check named), up once it is back. */
@QuarkusTest
@TestProfile(ReadinessTest.OwnRedis.class)
class ReadinessTest {

    /** The shared Kafka, a Redis of this test's own. */
    public static class OwnRedis implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaTestResource.class),
                    new TestResourceEntry(OwnRedisTestResource.class),
                    new TestResourceEntry(JwtTestResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.timeout", "2S");
        }
    }

    @Test
    void readinessIsDownWhileRedisIsStoppedAndUpWhenItIsBack() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> ManagementPort.given().get("/q/health/ready").statusCode() == 200);
        JsonPath up = ManagementPort.given().get("/q/health/ready").then().extract().jsonPath();
        List<String> checks = up.getList("checks.name");
        assertTrue(checks.stream().anyMatch(n -> n.contains("Redis")), "Redis is checked: " + checks);
        assertTrue(checks.stream().anyMatch(n -> n.contains("Kafka") || n.contains("Messaging")),
                "Kafka is checked: " + checks);

        int port = Integer.parseInt(System.getProperty(OwnRedisTestResource.PORT));
        ((AutoCloseable) System.getProperties().remove(OwnRedisTestResource.SERVER)).close();
        await().atMost(Duration.ofSeconds(60)).until(() -> ManagementPort.given().get("/q/health/ready").statusCode() == 503);
        JsonPath down = ManagementPort.given().get("/q/health/ready").then().statusCode(503).extract().jsonPath();
        assertEquals("DOWN", down.getString("status"));
        List<Map<String, Object>> failing = down.getList("checks.findAll { it.status == 'DOWN' }");
        assertTrue(failing.stream().anyMatch(c -> String.valueOf(c.get("name")).contains("Redis")),
                "the Redis check is named: " + failing);
        // Liveness is not readiness: the process is fine, it only cannot serve.
        ManagementPort.given().get("/q/health/live").then().statusCode(200);

        @SuppressWarnings("unchecked")
        Map<String, String> passwords = (Map<String, String>) System.getProperties().get(OwnRedisTestResource.PASSWORDS);
        LocalRedis again = LocalRedis.start(port, passwords);
        System.getProperties().put(OwnRedisTestResource.SERVER, again);
        await().atMost(Duration.ofSeconds(60)).until(() -> ManagementPort.given().get("/q/health/ready").statusCode() == 200);
        assertEquals("UP", ManagementPort.given().get("/q/health/ready").then().extract().jsonPath().getString("status"));
    }
}
