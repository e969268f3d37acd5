package io.keystep.delivery;

import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness follows the backing servers: this test's own Redis stops, the service is not ready, it returns. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(value = OwnRedisTestResource.class, restrictToAnnotatedClass = true)
class ReadinessTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void readinessTurnsDownWhenRedisStopsAndUpWhenItReturns() {
        await().atMost(WAIT).until(() -> ready().statusCode() == 200);
        JsonPath up = ready().jsonPath();
        assertEquals("UP", check(up, "Redis"));
        assertEquals("UP", check(up, "Reactive Messaging"));

        OwnRedisTestResource.stopServer();
        await().atMost(WAIT).until(() -> ready().statusCode() == 503);
        JsonPath down = ready().jsonPath();
        assertEquals("DOWN", down.getString("status"));
        assertEquals("DOWN", check(down, "Redis"), "the failing check is named");
        assertEquals("UP", check(down, "Reactive Messaging"));

        OwnRedisTestResource.restart();
        await().atMost(WAIT).until(() -> ready().statusCode() == 200);
        assertEquals("UP", check(ready().jsonPath(), "Redis"));
    }

    private static io.restassured.response.Response ready() {
        return ManagementPort.given().get("/q/health/ready");
    }

    /** The status of the one check whose name contains {@code name}. */
    private static String check(JsonPath health, String name) {
        List<Map<String, Object>> checks = health.getList("checks");
        List<Map<String, Object>> matching = checks.stream()
                .filter(c -> String.valueOf(c.get("name")).contains(name)).toList();
        assertTrue(matching.size() == 1, "one " + name + " check in " + checks);
        return String.valueOf(matching.get(0).get("status"));
    }
}
