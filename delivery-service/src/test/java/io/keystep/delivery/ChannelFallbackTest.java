package io.keystep.delivery;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.delivery.provider.Signatures;
import io.keystep.delivery.store.DeliveryAttempts;
import io.keystep.events.Channel;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SmsSink;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class ChannelFallbackTest {

    private static final String TIMERS = "delivery:fallback-timers";

    @Inject
    ObjectMapper json;

    @Inject
    RedisDataSource redis;

    @Inject
    DeliveryAttempts attempts;

    private final SmsSink sink = SmsSinkTestResource.sink();

    @Test
    void whatsappWithoutAReceiptFallsBackToSmsAfterTheTimeoutWithATimerKeptInRedis() throws Exception {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms("fallback-tenant", number, code).withPlan(List.of(Channel.WHATSAPP, Channel.SMS));
        job.publish(json);
        StatusEvents events = new StatusEvents(json);

        JsonNode sent = events.await(job.challengeId(), "SENT");
        assertEquals("WHATSAPP", sent.get("channel").asText());
        assertEquals("hook", sent.get("provider").asText());
        assertNotNull(redis.execute("ZSCORE", TIMERS,
                        DeliveryAttempts.timerMember("fallback-tenant", job.challengeId(), 1, 0)),
                "the fallback timer is kept in Redis, so that it survives a restart");
        ProviderStandIn.Request request = hookRequestFor(job.challengeId());
        JsonNode body = json.readTree(request.body());
        assertEquals("whatsapp", body.get("channel").asText());
        assertEquals(number, body.get("to").asText());
        assertTrue(body.get("text").asText().contains(code));
        assertEquals(Signatures.webhookSignature(ProviderStandInsTestResource.HOOK_SECRET,
                request.headers().get("x-keystep-timestamp"), request.body()), request.headers().get("x-keystep-signature"));

        JsonNode fellBack = events.await(job.challengeId(), "FELL_BACK");
        assertEquals("SMS", fellBack.get("channel").asText());
        assertEquals("WHATSAPP: NO_DELIVERY_RECEIPT", fellBack.get("reason").asText());
        await().atMost(StatusEvents.WAIT).until(() -> sink.messagesTo(number).size() == 1);
        assertTrue(sink.messagesTo(number).get(0).body().contains(code), "the same code goes out on the next channel");
        await().atMost(StatusEvents.WAIT).until(() -> events.sequence(job.challengeId()).size() == 3);
        assertEquals(List.of("SENT/WHATSAPP", "FELL_BACK/SMS", "SENT/SMS"), events.sequence(job.challengeId()));
        assertNull(redis.execute("ZSCORE", TIMERS,
                        DeliveryAttempts.timerMember("fallback-tenant", job.challengeId(), 1, 1)),
                "no timer after the last channel");
        ManagementPort.given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("keystep_delivery_fallbacks_total"));
    }

    @Test
    void fallbackTimerLeftInRedisByAnEarlierInstanceStillFires() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code).withPlan(List.of(Channel.WHATSAPP, Channel.SMS));
        // What an instance that sent on WhatsApp and then stopped leaves behind: only Redis state, nothing in memory here.
        attempts.claimAndStart(job.asDeliveryJob(), Duration.ofDays(1), Duration.ofMinutes(10))
                .await().atMost(Duration.ofSeconds(5));
        attempts.schedule(job.tenantId(), job.challengeId(), 1, 0, System.currentTimeMillis() - 60_000)
                .await().atMost(Duration.ofSeconds(5));

        StatusEvents events = new StatusEvents(json);
        assertEquals("WHATSAPP: NO_DELIVERY_RECEIPT", events.await(job.challengeId(), "FELL_BACK").get("reason").asText());
        assertEquals("SMS", events.await(job.challengeId(), "SENT").get("channel").asText());
        await().atMost(StatusEvents.WAIT).until(() -> sink.messagesTo(number).size() == 1);
        assertTrue(sink.messagesTo(number).get(0).body().contains(code));
    }

    @Test
    void resendReplacesTheFirstSendSoThatOnlyTheNewCodeFallsBack() {
        String number = Jobs.usNumber();
        String newCode = Jobs.code();
        Jobs.Job first = Jobs.Job.sms("fallback-tenant", number, Jobs.code())
                .withPlan(List.of(Channel.WHATSAPP, Channel.SMS));
        first.publish(json);
        StatusEvents events = new StatusEvents(json);
        events.await(first.challengeId(), "SENT");
        Jobs.Job resend = first.resentWith(newCode);
        resend.publish(json);

        await().atMost(StatusEvents.WAIT).until(() -> sink.messagesTo(number).size() == 1);
        assertTrue(sink.messagesTo(number).get(0).body().contains(newCode), "the fallback carries the new code");
        events.await(first.challengeId(), "SENT");
        await().atMost(StatusEvents.WAIT).until(() -> events.sequence(first.challengeId()).size() == 4);
        assertEquals(List.of("SENT/WHATSAPP", "SENT/WHATSAPP", "FELL_BACK/SMS", "SENT/SMS"),
                events.sequence(first.challengeId()));
        // The first send's timer was due before the resend's: it has fired, and moved nothing.
        assertNull(redis.execute("ZSCORE", TIMERS,
                DeliveryAttempts.timerMember("fallback-tenant", first.challengeId(), 1, 0)));
        assertEquals(1, sink.messagesTo(number).size(), "the replaced code never went out by SMS");
    }

    @Test
    void deliveredReceiptStopsTheFallbackAndIsPublishedOnce() throws Exception {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms("receipt-tenant", number, Jobs.code())
                .withPlan(List.of(Channel.WHATSAPP, Channel.SMS));
        job.publish(json);
        StatusEvents events = new StatusEvents(json);
        events.await(job.challengeId(), "SENT");
        String messageId = json.readTree(hookRequestFor(job.challengeId()).body()).get("id").asText();
        String receipt = "{\"id\":\"" + messageId + "\",\"status\":\"delivered\"}";
        String now = String.valueOf(Instant.now().getEpochSecond());

        given().header("X-Keystep-Timestamp", now).header("X-Keystep-Signature", "v1=00" + "ab".repeat(31))
                .contentType("application/json").body(receipt)
                .post("/v1/providers/hook/status")
                .then().statusCode(401).contentType("application/problem+json").body("status", equalTo(401));
        String stale = String.valueOf(Instant.now().minus(Duration.ofHours(1)).getEpochSecond());
        given().header("X-Keystep-Timestamp", stale)
                .header("X-Keystep-Signature", Signatures.webhookSignature(ProviderStandInsTestResource.HOOK_SECRET, stale, receipt))
                .contentType("application/json").body(receipt)
                .post("/v1/providers/hook/status").then().statusCode(401);
        for (int i = 0; i < 2; i++) {
            given().header("X-Keystep-Timestamp", now)
                    .header("X-Keystep-Signature", Signatures.webhookSignature(ProviderStandInsTestResource.HOOK_SECRET, now, receipt))
                    .contentType("application/json").body(receipt)
                    .post("/v1/providers/hook/status").then().statusCode(200);
        }

        JsonNode delivered = events.await(job.challengeId(), "DELIVERED");
        assertEquals("WHATSAPP", delivered.get("channel").asText());
        assertEquals(messageId, delivered.get("providerMessageId").asText());
        assertNull(redis.execute("ZSCORE", TIMERS,
                        DeliveryAttempts.timerMember("receipt-tenant", job.challengeId(), 1, 0)),
                "a delivered message cancels its fallback timer");
        assertEquals(List.of("SENT/WHATSAPP", "DELIVERED/WHATSAPP"), events.sequence(job.challengeId()));
        assertTrue(sink.messagesTo(number).isEmpty());
    }

    @Test
    void failedReceiptMovesToTheNextChannelWithoutWaitingForTheTimeout() throws Exception {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms("receipt-tenant", number, Jobs.code())
                .withPlan(List.of(Channel.WHATSAPP, Channel.SMS));
        job.publish(json);
        StatusEvents events = new StatusEvents(json);
        events.await(job.challengeId(), "SENT");
        String messageId = json.readTree(hookRequestFor(job.challengeId()).body()).get("id").asText();
        String receipt = "{\"id\":\"" + messageId + "\",\"status\":\"failed\",\"reason\":\"not on whatsapp\"}";
        String now = String.valueOf(Instant.now().getEpochSecond());
        given().header("X-Keystep-Timestamp", now)
                .header("X-Keystep-Signature", Signatures.webhookSignature(ProviderStandInsTestResource.HOOK_SECRET, now, receipt))
                .contentType("application/json").body(receipt)
                .post("/v1/providers/hook/status").then().statusCode(200);

        JsonNode fellBack = events.await(job.challengeId(), "FELL_BACK");
        assertEquals("WHATSAPP: RECEIPT_FAILED_NOT_ON_WHATSAPP", fellBack.get("reason").asText());
        await().atMost(StatusEvents.WAIT).until(() -> sink.messagesTo(number).size() == 1);
        assertNull(redis.execute("ZSCORE", TIMERS,
                        DeliveryAttempts.timerMember("receipt-tenant", job.challengeId(), 1, 0)),
                "the receipt, not the timer, moved the job on: the timer is cancelled");
    }

    @Test
    void failedReceiptForTheLastChannelFailsTheJobOnceHoweverOftenItComes() throws Exception {
        Jobs.Job job = Jobs.Job.sms("receipt-tenant", Jobs.usNumber(), Jobs.code()).withPlan(List.of(Channel.WHATSAPP));
        job.publish(json);
        StatusEvents events = new StatusEvents(json);
        events.await(job.challengeId(), "SENT");
        String messageId = json.readTree(hookRequestFor(job.challengeId()).body()).get("id").asText();
        String receipt = "{\"id\":\"" + messageId + "\",\"status\":\"failed\",\"reason\":\"undeliverable\"}";
        String now = String.valueOf(Instant.now().getEpochSecond());
        String signature = Signatures.webhookSignature(ProviderStandInsTestResource.HOOK_SECRET, now, receipt);
        // Providers retry callbacks: the same receipt twice at once, then once more.
        List<java.util.concurrent.CompletableFuture<Integer>> posts = java.util.stream.IntStream.range(0, 2)
                .mapToObj(i -> java.util.concurrent.CompletableFuture.supplyAsync(() -> given()
                        .header("X-Keystep-Timestamp", now).header("X-Keystep-Signature", signature)
                        .contentType("application/json").body(receipt)
                        .post("/v1/providers/hook/status").statusCode()))
                .toList();
        for (java.util.concurrent.CompletableFuture<Integer> post : posts) {
            assertEquals(200, post.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        given().header("X-Keystep-Timestamp", now).header("X-Keystep-Signature", signature)
                .contentType("application/json").body(receipt)
                .post("/v1/providers/hook/status").then().statusCode(200);

        JsonNode failed = events.await(job.challengeId(), "FAILED");
        assertEquals("RECEIPT_FAILED_UNDELIVERABLE", failed.get("reason").asText());
        // Each answered receipt had its status acknowledged by Kafka before the answer: none may follow later.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> events.sequence(job.challengeId()), equalTo(List.of("SENT/WHATSAPP", "FAILED/WHATSAPP")));
    }

    @Test
    void twilioReceiptMarksTheSmsDeliveredAndAForgedOneIsRefused() {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, Jobs.code());
        job.publish(json);
        StatusEvents events = new StatusEvents(json);
        JsonNode sent = events.await(job.challengeId(), "SENT");
        String sid = sent.get("providerMessageId").asText();
        String url = RestAssured.baseURI + ":" + RestAssured.port + "/v1/providers/twilio/status";
        Map<String, String> form = new TreeMap<>(Map.of("MessageSid", sid, "MessageStatus", "delivered",
                "AccountSid", SmsSinkTestResource.ACCOUNT_SID));

        given().header("X-Twilio-Signature", twilioSignature("wrong-token", url, form)).formParams(form)
                .post("/v1/providers/twilio/status").then().statusCode(401);
        given().header("X-Twilio-Signature", twilioSignature(SmsSinkTestResource.AUTH_TOKEN, url, form)).formParams(form)
                .post("/v1/providers/twilio/status").then().statusCode(200);

        JsonNode delivered = events.await(job.challengeId(), "DELIVERED");
        assertEquals("twilio", delivered.get("provider").asText());
        assertEquals(sid, delivered.get("providerMessageId").asText());
    }

    @Test
    void landlineSkipsTextChannelsAndGetsTheCodeReadOutByVoice() throws Exception {
        String landline = Jobs.number("+44207", 12);
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), landline, code).withPlan(List.of(Channel.SMS, Channel.VOICE));
        job.publish(json);
        StatusEvents events = new StatusEvents(json);

        JsonNode fellBack = events.await(job.challengeId(), "FELL_BACK");
        assertEquals("SMS: NOT_A_MOBILE_NUMBER", fellBack.get("reason").asText());
        JsonNode sent = events.await(job.challengeId(), "SENT");
        assertEquals("VOICE", sent.get("channel").asText());
        JsonNode call = json.readTree(hookRequestFor(job.challengeId()).body());
        assertEquals("voice", call.get("channel").asText());
        String spoken = String.join(", ", code.split(""));
        assertTrue(call.get("text").asText().contains(spoken), "digits are spaced: " + spoken);
        assertTrue(call.get("text").asText().indexOf(spoken) != call.get("text").asText().lastIndexOf(spoken),
                "and said twice");
        assertTrue(sink.messagesTo(landline).isEmpty());
    }

    @Test
    void landlineWithOnlyTextChannelsFailsAsNotAMobileNumber() {
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), Jobs.number("+44207", 12), Jobs.code());
        job.publish(json);
        JsonNode failed = new StatusEvents(json).await(job.challengeId(), "FAILED");
        assertEquals("NOT_A_MOBILE_NUMBER", failed.get("reason").asText());
    }

    private ProviderStandIn.Request hookRequestFor(String challengeId) {
        return await().atMost(StatusEvents.WAIT).until(() -> ProviderStandInsTestResource.HOOK.requests().stream()
                        .filter(r -> r.body().contains(challengeId)).findFirst(), java.util.Optional::isPresent)
                .orElseThrow();
    }

    static String twilioSignature(String token, String url, Map<String, String> sortedForm) {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(sortedForm).forEach((k, v) -> data.append(k).append(v));
        return Base64.getEncoder().encodeToString(Signatures.hmac("HmacSHA1", token, data.toString()));
    }

    static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
