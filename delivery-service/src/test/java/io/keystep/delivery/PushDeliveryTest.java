package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.ApnsStandIn;
import io.keystep.testsupport.FcmStandIn;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static io.keystep.delivery.ProviderStandInsTestResource.APNS;
import static io.keystep.delivery.ProviderStandInsTestResource.FCM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A push approval job reaches the paired phone through FCM or APNs (real servers that check credentials and message
 * shape as Google and Apple do) carrying the challenge id and the nonce alone, and its outcome is on
 * {@code delivery.status.v1}: SENT with the provider's message id, FAILED {@code push_token_unregistered} for a dead
 * token, FAILED {@code provider_error} after the retries when the provider is down. Neither the nonce nor the token
 * ever appears in a log line, an event or a metric.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class PushDeliveryTest {

    private static final List<String> TOKENS = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry meters;

    private StatusEvents statuses;
    private LogCapture logs;

    @BeforeEach
    void setUp() {
        statuses = new StatusEvents(json);
        logs = LogCapture.install();
    }

    @Test
    void fcmPushCarriesOnlyTheChallengeIdAndNonceAndIsReportedSent() throws Exception {
        String token = fcmToken();
        String nonce = Jobs.nonce();
        Jobs.Job job = Jobs.Job.push(Jobs.tenant(), "fcm:" + token, nonce);
        JsonNode sent = sentPush(job);
        List<FcmStandIn.Notification> received = FCM.notificationsTo(token);
        assertEquals(1, received.size());
        FcmStandIn.Notification notification = received.get(0);
        assertEquals(Map.of("challengeId", job.challengeId(), "nonce", nonce), notification.data());
        assertEquals("high", notification.priority());
        assertEquals("60s", notification.ttl());
        assertEquals("PUSH", sent.path("channel").asText());
        assertEquals("fcm", sent.path("provider").asText());
        assertEquals("projects/" + FCM.projectId() + "/messages/" + notification.messageId(),
                sent.path("providerMessageId").asText());
        assertEquals("fcm:\u2026" + token.substring(token.length() - 6), sent.path("destination").asText());
        assertEquals(job.userId(), sent.path("userId").asText());
        // What the phone reads from FCM, as the reference app does.
        assertEquals(List.of(Map.of("challengeId", job.challengeId(), "nonce", nonce)), inbox(FCM.inboxUrl(token)));
    }

    @Test
    void apnsPushGoesOverHttp2WithAProviderTokenAndIsReportedSent() throws Exception {
        String token = apnsToken();
        String nonce = Jobs.nonce();
        Jobs.Job job = Jobs.Job.push(Jobs.tenant(), "apns:" + token, nonce);
        JsonNode sent = sentPush(job);
        List<ApnsStandIn.Notification> received = APNS.notificationsTo(token);
        assertEquals(1, received.size());
        ApnsStandIn.Notification notification = received.get(0);
        assertEquals(ProviderStandInsTestResource.BUNDLE_ID, notification.topic());
        assertEquals("alert", notification.pushType());
        assertEquals(10, notification.priority());
        assertEquals(job.expiresAt().getEpochSecond(), notification.expiration(), "dropped when the challenge is");
        Map<String, Object> payload = Map.of("aps", Map.of("alert", Map.of("title", "Sign-in request",
                "body", "Open the app to approve or deny")), "challengeId", job.challengeId(), "nonce", nonce);
        assertEquals(payload, notification.payload());
        assertEquals("PUSH", sent.path("channel").asText());
        assertEquals("apns", sent.path("provider").asText());
        assertEquals(notification.apnsId(), sent.path("providerMessageId").asText());
        assertEquals("apns:\u2026" + token.substring(token.length() - 6), sent.path("destination").asText());
        assertEquals(List.of(payload), inbox(APNS.inboxUrl(token)));
    }

    @Test
    void providerTokensAndAccessTokensAreReusedAcrossPushes() {
        // Once both platforms have a credential, the pushes that follow reuse it.
        Jobs.Job first = Jobs.Job.push(Jobs.tenant(), "apns:" + apnsToken(), Jobs.nonce());
        first.publish(json);
        statuses.await(first.challengeId(), "SENT");
        int accessTokens = FCM.accessTokensIssued();
        int providerTokens = APNS.providerTokensSeen();
        for (int i = 0; i < 3; i++) {
            Jobs.Job fcm = Jobs.Job.push(Jobs.tenant(), "fcm:" + fcmToken(), Jobs.nonce());
            Jobs.Job apns = Jobs.Job.push(Jobs.tenant(), "apns:" + apnsToken(), Jobs.nonce());
            fcm.publish(json);
            apns.publish(json);
            statuses.await(fcm.challengeId(), "SENT");
            statuses.await(apns.challengeId(), "SENT");
        }
        assertTrue(FCM.accessTokensIssued() - accessTokens <= 1, "one access token an hour, not one a push");
        assertEquals(providerTokens, APNS.providerTokensSeen(), "APNs takes a new provider token at most every 20 min");
    }

    @Test
    void unregisteredTokenOnFcmFailsWithPushTokenUnregisteredWithoutRetries() {
        String token = fcmToken();
        FCM.markUnregistered(token);
        int before = FCM.sendRequests();

        JsonNode failed = failedPush("fcm:" + token);
        assertEquals("push_token_unregistered", failed.path("reason").asText());
        assertEquals("fcm", failed.path("provider").asText());
        assertEquals(1, FCM.sendRequests() - before, "a dead token is not tried again");
    }

    @Test
    void unregisteredTokenOnApnsFailsWithPushTokenUnregistered() {
        String token = apnsToken();
        APNS.markUnregistered(token);

        JsonNode failed = failedPush("apns:" + token);
        assertEquals("push_token_unregistered", failed.path("reason").asText());
        assertEquals("apns", failed.path("provider").asText());
        assertTrue(APNS.notificationsTo(token).isEmpty());
    }

    @Test
    void eitherPlatformDownFailsWithProviderErrorAfterTheRetries() {
        FCM.failNext(DeliveryExpectations.PROVIDER_ATTEMPTS, 503);
        int fcmBefore = FCM.sendRequests();
        assertEquals("provider_error", failedPush("fcm:" + fcmToken()).path("reason").asText());
        assertEquals(DeliveryExpectations.PROVIDER_ATTEMPTS, FCM.sendRequests() - fcmBefore);

        APNS.failNext(DeliveryExpectations.PROVIDER_ATTEMPTS, 503);
        int apnsBefore = APNS.requests();
        assertEquals("provider_error", failedPush("apns:" + apnsToken()).path("reason").asText());
        assertEquals(DeliveryExpectations.PROVIDER_ATTEMPTS, APNS.requests() - apnsBefore);
    }

    @Test
    void aDestinationNoPlatformCouldTakeFailsWithoutReachingAProvider() {
        int fcmBefore = FCM.sendRequests();
        int apnsBefore = APNS.requests();

        // A token that is not of its platform's form is dead to it, as the platform itself would answer.
        JsonNode notHex = failedPush("apns:" + "not-a-device-token-".repeat(4));
        assertEquals("push_token_unregistered", notHex.path("reason").asText());
        assertTrue(notHex.path("provider").isMissingNode() || notHex.path("provider").isNull(), "no provider called");
        assertEquals("push_token_unregistered", failedPush("fcm:not a token").path("reason").asText());
        assertEquals("push_not_configured", failedPush("hms:" + Jobs.fcmToken()).path("reason").asText());
        assertEquals("push_destination_invalid", failedPush(Jobs.usNumber()).path("reason").asText());
        assertEquals(fcmBefore, FCM.sendRequests());
        assertEquals(apnsBefore, APNS.requests());
    }

    @Test
    void nonceAndTokenAppearInNoLogLineStatusEventOrMetric() {
        String fcmToken = fcmToken();
        String apnsToken = apnsToken();
        Jobs.Job fcm = Jobs.Job.push(Jobs.tenant(), "fcm:" + fcmToken, Jobs.nonce());
        Jobs.Job apns = Jobs.Job.push(Jobs.tenant(), "apns:" + apnsToken, Jobs.nonce());
        fcm.publish(json);
        apns.publish(json);
        statuses.await(fcm.challengeId(), "SENT");
        statuses.await(apns.challengeId(), "SENT");

        List<String> lines = logs.lines();
        assertTrue(lines.stream().anyMatch(l -> l.contains(fcm.challengeId())), "delivery logs are captured");
        List<String> secrets = new java.util.ArrayList<>(Jobs.NONCES);
        secrets.addAll(TOKENS);
        for (String secret : secrets) {
            for (String line : lines) {
                assertFalse(line.contains(secret), () -> "a nonce or device token in a log line: "
                        + line.replace(secret, "<secret>"));
            }
            for (ConsumerRecord<String, String> record : Jobs.statusRecords()) {
                assertFalse(record.value().contains(secret), "a nonce or device token in a status event");
            }
            for (Meter meter : meters.getMeters()) {
                for (Tag tag : meter.getId().getTags()) {
                    assertFalse(tag.getValue().contains(secret), "a nonce or device token in a metric tag");
                }
            }
        }
        assertTrue(meters.find("keystep.delivery.sends").tag("channel", "PUSH").tag("provider", "apns")
                .tag("status", "SENT").counters().stream().mapToDouble(c -> c.count()).sum() >= 1);
    }

    /** Publishes {@code job} and answers its SENT status, checking it was the only one: no receipt wait, no fallback. */
    private JsonNode sentPush(Jobs.Job job) {
        job.publish(json);
        JsonNode sent = statuses.await(job.challengeId(), "SENT");
        assertEquals(List.of("SENT/PUSH"), statuses.sequence(job.challengeId()));
        return sent;
    }

    /** Publishes a push to {@code destination} and answers its FAILED status, checking it was the only one. */
    private JsonNode failedPush(String destination) {
        Jobs.Job job = Jobs.Job.push(Jobs.tenant(), destination, Jobs.nonce());
        job.publish(json);
        JsonNode failed = statuses.await(job.challengeId(), "FAILED");
        assertEquals(List.of("FAILED/PUSH"), statuses.sequence(job.challengeId()), "no other channel is tried");
        return failed;
    }

    private static String fcmToken() {
        String token = Jobs.fcmToken();
        TOKENS.add(token);
        return token;
    }

    private static String apnsToken() {
        String token = Jobs.apnsToken();
        TOKENS.add(token);
        return token;
    }

    private List<?> inbox(String url) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());
        return json.readValue(answer.body(), List.class);
    }
}
