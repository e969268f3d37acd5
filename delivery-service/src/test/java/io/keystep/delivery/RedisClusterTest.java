package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Channel;
import io.keystep.testsupport.RedisClusterProfile;
import io.keystep.testsupport.SmsSink;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery against a Redis Cluster of three primaries: the job's claim, its attempt and the fraud counters it
 * passes are one script over keys of one slot (the tenant's), and the fallback timers and settings work as on a
 * single server.
 */
@QuarkusTest
@TestProfile(RedisClusterTest.Cluster.class)
class RedisClusterTest {

    /** On the cluster, with the SMS sink and the provider stand-ins. */
    public static class Cluster extends RedisClusterProfile {

        @Override
        protected List<TestResourceEntry> serviceResources() {
            return List.of(new TestResourceEntry(SmsSinkTestResource.class),
                    new TestResourceEntry(ProviderStandInsTestResource.class));
        }
    }

    @Inject
    ObjectMapper json;

    private final SmsSink sink = SmsSinkTestResource.sink();

    @Test
    void aJobIsSentOnceHoweverOftenItIsConsumedOnACluster() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code);
        job.publish(json);
        job.publish(json);
        StatusEvents events = new StatusEvents(json);
        assertEquals("SMS", events.await(job.challengeId(), "SENT").get("channel").asText());
        await().atMost(StatusEvents.WAIT).until(() -> sink.messagesTo(number).size() == 1);
        assertTrue(sink.messagesTo(number).get(0).body().contains(code));
        // The second copy of the job was claimed already: still one message, one SENT.
        Jobs.Job later = Jobs.Job.sms(job.tenantId(), Jobs.usNumber(), Jobs.code());
        later.publish(json);
        events.await(later.challengeId(), "SENT");
        assertEquals(1, sink.messagesTo(number).size());
        assertEquals(List.of("SENT/SMS"), events.sequence(job.challengeId()));
    }

    @Test
    void whatsappWithoutAReceiptFallsBackToSmsOnACluster() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        // fallback-tenant waits 3 s for a receipt (ProviderStandInsTestResource).
        Jobs.Job job = Jobs.Job.sms("fallback-tenant", number, code).withPlan(List.of(Channel.WHATSAPP, Channel.SMS));
        job.publish(json);
        StatusEvents events = new StatusEvents(json);
        JsonNode fellBack = events.await(job.challengeId(), "FELL_BACK");
        assertEquals("WHATSAPP: NO_DELIVERY_RECEIPT", fellBack.get("reason").asText());
        await().atMost(StatusEvents.WAIT).until(() -> sink.messagesTo(number).size() == 1);
        assertTrue(sink.messagesTo(number).get(0).body().contains(code));
    }

    @Test
    void tenantSettingsAreStoredOnACluster() {
        String tenant = Jobs.tenant();
        Callers.admin(tenant).contentType("application/json").body("{\"fallbackTimeoutSeconds\":45}")
                .put("/v1/settings/delivery").then().statusCode(200);
        Callers.admin(tenant).get("/v1/settings/delivery").then().statusCode(200)
                .body("fallbackTimeoutSeconds", equalTo(45));
    }
}
