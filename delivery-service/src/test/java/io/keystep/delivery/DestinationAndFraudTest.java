package io.keystep.delivery;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SmsSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class DestinationAndFraudTest {

    @Inject
    ObjectMapper json;

    private final SmsSink sink = SmsSinkTestResource.sink();

    @Test
    void numberOutsideTheTenantsAllowedCountriesIsRefused() {
        String german = Jobs.number("+49151", 13);
        Jobs.Job refused = Jobs.Job.sms("geo-tenant", german, Jobs.code());
        refused.publish(json);
        JsonNode failed = events().await(refused.challengeId(), "FAILED");
        assertEquals("COUNTRY_NOT_ALLOWED", failed.get("reason").asText());
        assertTrue(sink.messagesTo(german).isEmpty());

        Jobs.Job allowed = Jobs.Job.sms("geo-tenant", Jobs.usNumber(), Jobs.code());
        allowed.publish(json);
        events().await(allowed.challengeId(), "SENT");
    }

    @Test
    void oneDestinationGetsNoMoreThanItsHourlyLimit() {
        String number = Jobs.number("+12025", 11);
        for (int i = 0; i < 2; i++) {
            Jobs.Job job = Jobs.Job.sms("pump-tenant", number, Jobs.code());
            job.publish(json);
            events().await(job.challengeId(), "SENT");
        }
        Jobs.Job third = Jobs.Job.sms("pump-tenant", number, Jobs.code());
        third.publish(json);
        JsonNode blocked = events().await(third.challengeId(), "FAILED");
        assertEquals("FRAUD_BLOCKED_DESTINATION_RATE", blocked.get("reason").asText());
        assertEquals(2, sink.messagesTo(number).size());
        ManagementPort.given().get("/q/metrics").then().body(containsString("keystep_delivery_fraud_blocks_total"));
    }

    @Test
    void oneNumberRangeGetsNoMoreThanItsHourlyLimit() {
        Set<String> numbers = new HashSet<>();
        while (numbers.size() < 4) {
            numbers.add(Jobs.number("+1415555", 11));
        }
        int sent = 0;
        String lastReason = null;
        for (String number : numbers) {
            Jobs.Job job = Jobs.Job.sms("pump-tenant", number, Jobs.code());
            job.publish(json);
            JsonNode status = org.awaitility.Awaitility.await().atMost(StatusEvents.WAIT)
                    .until(() -> events().of(job.challengeId()).stream().findFirst(), java.util.Optional::isPresent)
                    .orElseThrow();
            if ("SENT".equals(status.get("status").asText())) {
                sent++;
            } else {
                lastReason = status.get("reason").asText();
            }
        }
        assertEquals(3, sent);
        assertEquals("FRAUD_BLOCKED_PREFIX_RATE", lastReason);
    }

    @Test
    void countryTheTenantRarelySendsToHasALowCeiling() {
        Jobs.Job first = Jobs.Job.sms("pump-tenant", Jobs.number("+447400", 12), Jobs.code());
        first.publish(json);
        events().await(first.challengeId(), "SENT");
        Jobs.Job second = Jobs.Job.sms("pump-tenant", Jobs.number("+447800", 12), Jobs.code());
        second.publish(json);
        JsonNode blocked = events().await(second.challengeId(), "FAILED");
        assertEquals("FRAUD_BLOCKED_RARE_COUNTRY", blocked.get("reason").asText());
    }

    @Test
    void oneCountryGetsNoMoreThanItsHourlyLimit() {
        for (int i = 0; i < 2; i++) {
            Jobs.Job job = Jobs.Job.sms("country-tenant", Jobs.usNumber(), Jobs.code());
            job.publish(json);
            events().await(job.challengeId(), "SENT");
        }
        Jobs.Job third = Jobs.Job.sms("country-tenant", Jobs.usNumber(), Jobs.code());
        third.publish(json);
        assertEquals("FRAUD_BLOCKED_COUNTRY_RATE", events().await(third.challengeId(), "FAILED").get("reason").asText());
    }

    @Test
    void countryRarelySentToIsLearnedFromTheTenantsHistory() {
        // Before the tenant has history, no country is rare: two British numbers pass.
        for (String prefix : List.of("+447400", "+447500")) {
            Jobs.Job job = Jobs.Job.sms("learn-tenant", Jobs.number(prefix, 12), Jobs.code());
            job.publish(json);
            events().await(job.challengeId(), "SENT");
        }
        for (int i = 0; i < 10; i++) {
            Jobs.Job job = Jobs.Job.sms("learn-tenant", Jobs.usNumber(), Jobs.code());
            job.publish(json);
            events().await(job.challengeId(), "SENT");
        }
        // 2 of 12 sends (17%) went to GB, under the 20% share: GB is now rare, and its hour already had 2 sends.
        Jobs.Job rare = Jobs.Job.sms("learn-tenant", Jobs.number("+447800", 12), Jobs.code());
        rare.publish(json);
        assertEquals("FRAUD_BLOCKED_RARE_COUNTRY", events().await(rare.challengeId(), "FAILED").get("reason").asText());
    }

    private StatusEvents events() {
        return new StatusEvents(json);
    }
}
