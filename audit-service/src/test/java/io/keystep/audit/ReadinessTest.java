package io.keystep.audit;

import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readiness follows the backing servers: DOWN (503, the failing PostgreSQL check named) while the service's own
 * PostgreSQL is stopped, UP again once it is back. Without a verification key, no token is accepted.
 */
@QuarkusTest
@TestProfile(OwnPostgresProfile.class)
class ReadinessTest {

    static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void readinessTurnsDownWhenPostgresStopsAndUpWhenItIsBack() {
        await().atMost(WAIT).until(() -> ManagementPort.given().get("/q/health/ready").statusCode() == 200);
        JsonPath up = ManagementPort.given().get("/q/health/ready").then().extract().jsonPath();
        List<String> checks = up.getList("checks.name");
        assertTrue(checks.stream().anyMatch(n -> n.contains("PostgreSQL") || n.contains("Database")), checks.toString());
        assertTrue(checks.stream().anyMatch(n -> n.toLowerCase().contains("messaging") || n.toLowerCase().contains("kafka")),
                checks.toString());

        OwnPostgresProfile.Database.stopServer();
        try {
            await().atMost(WAIT).until(() -> ManagementPort.given().get("/q/health/ready").statusCode() == 503);
            List<Map<String, Object>> down = ManagementPort.given().get("/q/health/ready").then().statusCode(503)
                    .extract().jsonPath().getList("checks");
            assertTrue(down.stream().anyMatch(c -> "DOWN".equals(c.get("status"))
                    && String.valueOf(c.get("name")).matches(".*(PostgreSQL|Database).*")), down.toString());
            // liveness is not readiness: the process is alive and waits for its database
            ManagementPort.given().get("/q/health/live").then().statusCode(200);
        } finally {
            OwnPostgresProfile.Database.startServer();
        }
        await().atMost(WAIT).until(() -> ManagementPort.given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void withoutAVerificationKeyEveryCallIsRefused() {
        String tenant = Trail.unique("nokey");
        given().auth().oauth2(Tokens.compliance(tenant)).get("/v1/audit/events")
                .then().statusCode(401).header("WWW-Authenticate", "Bearer");
        given().auth().oauth2(Tokens.admin(tenant)).get("/v1/settings/audit").then().statusCode(401);
        assertEquals(200, ManagementPort.given().get("/q/health/live").statusCode());
    }
}
