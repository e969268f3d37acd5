package io.keystep.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Envelope;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.kit.formats.CodeUse;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.kit.formats.SealingKeys;
import io.keystep.testsupport.BusCredentials;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local run delivers push approvals: a push job sealed as challenge-service seals it reaches the packaged
 * delivery-service, which notifies the phone through the run's FCM stand-in (a service account's access token) and its
 * APNs stand-in (HTTP/2 over TLS, a provider token), with the credentials the run generated; each phone reads the
 * challenge id and nonce from its inbox, and neither the nonce nor the token is in delivery-service's log.
 */
@ExtendWith(SharedStack.class)
class PushDeliveryIT {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final SecureRandom RANDOM = new SecureRandom();

    private static LocalStack stack;

    @BeforeAll
    static void useTheSharedStack(LocalStack shared) {
        stack = shared;
    }

    @Test
    void pushJobsReachTheRunsFcmAndApnsStandInsAndThePhonesReadThemFromTheirInboxes() throws Exception {
        String fcmToken = HexFormat.of().formatHex(bytes(20)) + ":APA91b" + HexFormat.of().formatHex(bytes(60));
        String apnsToken = HexFormat.of().formatHex(bytes(32));
        String fcmNonce = nonce();
        String apnsNonce = nonce();
        String fcmChallenge = publishPush("fcm:" + fcmToken, fcmNonce);
        String apnsChallenge = publishPush("apns:" + apnsToken, apnsNonce);

        await().atMost(Duration.ofSeconds(60)).until(() -> !stack.fcm().notificationsTo(fcmToken).isEmpty()
                && !stack.apns().notificationsTo(apnsToken).isEmpty());
        assertEquals(List.of(Map.of("challengeId", fcmChallenge, "nonce", fcmNonce)),
                inbox(stack.fcm().inboxUrl(fcmToken)));
        List<?> iphone = inbox(stack.apns().inboxUrl(apnsToken));
        assertEquals(1, iphone.size());
        assertEquals(apnsChallenge, ((Map<?, ?>) iphone.get(0)).get("challengeId"));
        assertEquals(apnsNonce, ((Map<?, ?>) iphone.get(0)).get("nonce"));

        String log = Files.readString(stack.service("delivery-service").logFile());
        for (String secret : List.of(fcmToken, apnsToken, fcmNonce, apnsNonce)) {
            assertFalse(log.contains(secret), "a push nonce or device token in delivery-service's log");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> PlatformScan.kafkaRecords(
                        stack.kafkaClientConfig(BusCredentials.ADMIN)).stream()
                .filter(r -> r.topic().equals(Topics.DELIVERY_STATUS) && r.value().contains("\"SENT\""))
                .filter(r -> r.value().contains(fcmChallenge) || r.value().contains(apnsChallenge)).count() == 2);
        // The job names its destination in the clear, as it does a phone number; every other record masks it.
        assertTrue(PlatformScan.kafkaRecords(stack.kafkaClientConfig(BusCredentials.ADMIN)).stream()
                .filter(r -> !r.topic().equals(Topics.CHALLENGE_ISSUED))
                .noneMatch(r -> r.all().contains(fcmToken) || r.all().contains(apnsToken)
                        || r.all().contains(fcmNonce) || r.all().contains(apnsNonce)),
                "a device token or nonce on the bus beyond the sealed job");
    }

    /** A push job as challenge-service publishes it; answers its challenge id. */
    private static String publishPush(String destination, String nonce) throws Exception {
        String tenant = "e2e-push";
        String challengeId = UUID.randomUUID().toString();
        String userId = "user-" + UUID.randomUUID();
        CodeUse use = new CodeUse(tenant, challengeId, userId, List.of(Channel.PUSH), destination, Purpose.LOGIN, 1,
                Instant.now().plus(Duration.ofMinutes(2)).truncatedTo(ChronoUnit.MILLIS), "en", null, null);
        String sealed = new DeliverySeal(SealingKeys.parse(stack.secrets().sealingKeys())).sealCode(use, nonce);
        ChallengeIssued job = use.job("login-" + challengeId, sealed);
        String value = JSON.writeValueAsString(Envelope.of(ChallengeIssued.TYPE, Instant.now(), tenant,
                "login-" + challengeId, job));
        // As challenge-service: the operator stands in for it, as only that principal may write the topic.
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                stack.kafkaClientConfig(BusCredentials.ADMIN), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.CHALLENGE_ISSUED, Topics.key(tenant, userId), value)).get();
        }
        return challengeId;
    }

    private static List<?> inbox(String url) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode());
        return JSON.readValue(answer.body(), List.class);
    }

    private static String nonce() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(16));
    }

    private static byte[] bytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
