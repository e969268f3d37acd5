package io.keystep.risk;

import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What operators read: metrics of decisions, scoring and the login consumer, and the shutdown grace period. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class OperationsTest {

    @Test
    void decisionsScoringAndTheConsumerAreMeasured() {
        String tenant = unique("ops");
        assessment(login(tenant, unique("u"), true, "fp-1", "192.0.2.10"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = ManagementPort.given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(metrics.contains("keystep_risk_decisions_total{decision=\"CHALLENGE\",tenant=\"" + tenant + "\"} 1.0"));
            assertTrue(metrics.contains("keystep_risk_decision_duration_seconds_count{tenant=\"" + tenant + "\"} 1"));
            assertTrue(metrics.contains("keystep_risk_logins_consumed_total{outcome=\"decided\"}"), "consumer outcomes");
            assertTrue(metrics.contains("keystep_risk_logins_in_flight"), "logins being decided");
            // Kafka's own client metrics: how far the consumer is behind.
            assertTrue(metrics.contains("kafka_consumer_fetch_manager_records_lag_max"), "consumer lag");
        });
    }

    @Test
    void inFlightWorkHasTimeToFinishOnShutdown() {
        Duration timeout = ConfigProvider.getConfig().getValue("quarkus.shutdown.timeout", Duration.class);
        assertTrue(timeout.compareTo(Duration.ofSeconds(10)) >= 0, "shutdown grace " + timeout);
    }
}
