package io.keystep.delivery;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.delivery.store.CostLedger;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SmsSink;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.keystep.events.Channel;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class ProviderFailoverTest {

    @Inject
    ObjectMapper json;

    @Inject
    CostLedger costs;

    private final SmsSink sink = SmsSinkTestResource.sink();

    @Test
    void providerThatKeepsFailingIsRetriedThenTheNextProviderTakesTheMessageAndItsCostIsRecorded() throws Exception {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms("failover-tenant", number, code);
        job.publish(json);

        JsonNode sent = new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("telnyx", sent.get("provider").asText());
        long triesAtPrimary = ProviderStandInsTestResource.PRIMARY_DOWN.requests().stream()
                .filter(r -> r.body().contains(ChannelFallbackTest.encoded(number))).count();
        assertEquals(DeliveryExpectations.PROVIDER_ATTEMPTS, triesAtPrimary, "retried, then failed over");

        ProviderStandIn.Request request = ProviderStandInsTestResource.TELNYX.requests().stream()
                .filter(r -> r.body().contains(number)).findFirst().orElseThrow();
        assertEquals("/v2/messages", request.path());
        assertEquals("Bearer " + ProviderStandInsTestResource.TELNYX_KEY, request.headers().get("authorization"));
        JsonNode body = json.readTree(request.body());
        assertEquals(number, body.get("to").asText());
        assertEquals("+15005550002", body.get("from").asText());
        assertEquals("profile-1", body.get("messaging_profile_id").asText());
        assertEquals("Your verification code is " + code + ". It expires in 5 minutes.", body.get("text").asText());
        assertTrue(sink.messagesTo(number).isEmpty());

        Map<String, BigDecimal> month = costs.month("failover-tenant", Instant.now()).await().atMost(Duration.ofSeconds(5));
        assertTrue(month.get("telnyx:US").compareTo(new BigDecimal("0.004")) >= 0, "cost per provider and country");
        Callers.admin("failover-tenant").get("/v1/costs").then().statusCode(200)
                .body("tenantId", org.hamcrest.Matchers.equalTo("failover-tenant"))
                .body("currency", org.hamcrest.Matchers.equalTo("USD"))
                .body("costs.find { it.provider == 'telnyx' && it.country == 'US' }.amount",
                        org.hamcrest.Matchers.greaterThanOrEqualTo(0.004f));
        // The tenant comes from the token alone: no header is needed, and another tenant's costs are not reachable.
        given().auth().oauth2(Tokens.admin("failover-tenant")).get("/v1/costs").then().statusCode(200)
                .body("tenantId", org.hamcrest.Matchers.equalTo("failover-tenant"));
        Callers.admin("failover-tenant").queryParam("month", "last week").get("/v1/costs")
                .then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.equalTo("month"));
        ManagementPort.given().get("/q/metrics").then().statusCode(200).body(allOf(
                containsString("keystep_delivery_cost_total"), containsString("provider=\"telnyx\""),
                containsString("keystep_delivery_provider_latency_seconds"),
                containsString("keystep_delivery_sends_total"),
                containsString("keystep_delivery_provider_failovers_total{channel=\"SMS\",provider=\"telnyx\"}")));
    }

    @Test
    void telnyxReceiptSignedWithEd25519MarksTheMessageDelivered() throws Exception {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms("telnyx-tenant", number, Jobs.code());
        job.publish(json);
        StatusEvents events = new StatusEvents(json);
        String messageId = events.await(job.challengeId(), "SENT").get("providerMessageId").asText();
        String receipt = "{\"data\":{\"event_type\":\"message.finalized\",\"payload\":{\"id\":\"" + messageId
                + "\",\"to\":[{\"phone_number\":\"" + number + "\",\"status\":\"delivered\"}]}}}";

        String old = String.valueOf(Instant.now().minus(Duration.ofHours(2)).getEpochSecond());
        given().header("telnyx-timestamp", old).header("telnyx-signature-ed25519", sign(old, receipt))
                .contentType("application/json").body(receipt)
                .post("/v1/providers/telnyx/status").then().statusCode(401);
        String now = String.valueOf(Instant.now().getEpochSecond());
        given().header("telnyx-timestamp", now).header("telnyx-signature-ed25519", sign(now, receipt + " "))
                .contentType("application/json").body(receipt)
                .post("/v1/providers/telnyx/status").then().statusCode(401);
        given().header("telnyx-timestamp", now).header("telnyx-signature-ed25519", sign(now, receipt))
                .contentType("application/json").body(receipt)
                .post("/v1/providers/telnyx/status").then().statusCode(200);

        JsonNode delivered = events.await(job.challengeId(), "DELIVERED");
        assertEquals("telnyx", delivered.get("provider").asText());
        given().contentType("application/json").body("{}").post("/v1/providers/nobody/status")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void repeatedFailuresOpenTheProvidersCircuitSoThatLaterMessagesSkipIt() {
        ProviderStandIn broken = ProviderStandInsTestResource.BROKEN;
        StatusEvents events = new StatusEvents(json);
        int before = broken.requests().size();

        Jobs.Job first = Jobs.Job.sms("circuit-tenant", Jobs.usNumber(), Jobs.code());
        first.publish(json);
        assertEquals("twilio", events.await(first.challengeId(), "SENT").get("provider").asText());
        assertEquals(before + 3, broken.requests().size());

        Jobs.Job second = Jobs.Job.sms("circuit-tenant", Jobs.usNumber(), Jobs.code());
        second.publish(json);
        assertEquals("twilio", events.await(second.challengeId(), "SENT").get("provider").asText());
        assertEquals(before + 5, broken.requests().size(), "the fifth failure opened the circuit");

        Jobs.Job third = Jobs.Job.sms("circuit-tenant", Jobs.usNumber(), Jobs.code());
        third.publish(json);
        assertEquals("twilio", events.await(third.challengeId(), "SENT").get("provider").asText());
        assertEquals(before + 5, broken.requests().size(), "an open circuit is not called");
    }

    @Test
    void providerThatAnswersTooLateTimesOutIsRetriedThenFailsOver() {
        ProviderStandIn slow = ProviderStandInsTestResource.SLOW;
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms("timeout-tenant", number, Jobs.code());
        job.publish(json);

        JsonNode sent = new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("twilio", sent.get("provider").asText());
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.requests().stream()
                .filter(r -> r.body().contains(job.challengeId())).count() == DeliveryExpectations.PROVIDER_ATTEMPTS);
        assertEquals(1, sink.messagesTo(number).size());
    }

    @Test
    void tenantsOwnPriorityReordersItsProviders() {
        // telnyx (priority 2) comes before twilio (10) by default; this tenant moved it to 99.
        Jobs.Job job = Jobs.Job.sms("route-tenant", Jobs.usNumber(), Jobs.code());
        job.publish(json);
        assertEquals("twilio", new StatusEvents(json).await(job.challengeId(), "SENT").get("provider").asText());
        Jobs.Job byDefault = Jobs.Job.sms("telnyx-tenant", Jobs.usNumber(), Jobs.code());
        byDefault.publish(json);
        assertEquals("telnyx", new StatusEvents(json).await(byDefault.challengeId(), "SENT").get("provider").asText());
    }

    @Test
    void twilioCarriesVoiceThroughCallsWithSpokenDigits() {
        ProviderStandIn twilio = ProviderStandInsTestResource.TWILIO_VOICE;
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job voice = Jobs.Job.sms("twilio-channels-tenant", number, code).withPlan(List.of(Channel.VOICE));
        voice.publish(json);
        assertEquals("twilio-voice", new StatusEvents(json).await(voice.challengeId(), "SENT").get("provider").asText());
        ProviderStandIn.Request call = twilio.requests().stream().filter(r -> r.path().endsWith("/Calls.json"))
                .filter(r -> r.body().contains(ChannelFallbackTest.encoded(number))).findFirst().orElseThrow();
        assertEquals("/2010-04-01/Accounts/ACvoice/Calls.json", call.path());
        assertTrue(call.headers().get("authorization").startsWith("Basic "));
        String twiml = java.net.URLDecoder.decode(call.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(twiml.contains("<Say>") && twiml.contains(String.join(", ", code.split(""))), twiml);
    }

    private static String sign(String timestamp, String body) throws Exception {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(ProviderStandInsTestResource.TELNYX_SIGNING.getPrivate());
        signer.update((timestamp + "|" + body).getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(signer.sign());
    }
}
