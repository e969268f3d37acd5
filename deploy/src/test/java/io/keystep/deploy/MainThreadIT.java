package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.BusAccess;
import io.keystep.events.Device;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.testsupport.BusCredentials;
import io.keystep.testsupport.SmsSink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main thread of the product, end to end, on the four packaged services running as processes against real
 * Kafka, Redis and PostgreSQL: a login from a new device is challenged, the code reaches the SMS provider, a
 * wrong code is rejected, the right one approved, and every event lands in the audit trail exactly once, with
 * the plaintext code nowhere in Redis, Kafka or the services' logs.
 */
@ExtendWith(SharedStack.class)
class MainThreadIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "e2e";
    private static final String PHONE = "+14155552671";

    private static LocalStack stack;
    private static GatewayClient gateway;

    @BeforeAll
    static void useTheSharedStack(LocalStack shared) {
        stack = shared;
        gateway = GatewayClient.of(stack, stack.tokens(), TENANT);
    }

    @Test
    void loginFromNewDeviceIsChallengedDeliveredVerifiedAndAuditedExactlyOnce() throws Exception {
        String userId = "user-" + UUID.randomUUID();
        String loginId = "login-" + UUID.randomUUID();
        assertEquals(200, Demo.enrollPhone(stack, gateway, userId, PHONE).status());
        int smsBefore = stack.smsSink().messagesTo(PHONE).size();

        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.publish(TENANT, new LoginAttempted(loginId, userId, true,
                    new Device("fp-" + UUID.randomUUID(), "Mozilla/5.0 (e2e)"), "198.51.100.20", Purpose.LOGIN));
        }

        JsonNode decision = await("the login decision").atMost(Duration.ofSeconds(60))
                .until(() -> gateway.loginDecision(loginId), answer -> answer.status() == 200).body();
        assertEquals("CHALLENGE", decision.path("decision").asText());
        assertTrue(decision.path("reasons").toString().contains("NEW_DEVICE"), decision.toString());
        String challengeId = decision.path("challengeId").asText();

        List<SmsSink.Message> messages = await("the SMS").atMost(Duration.ofSeconds(60))
                .until(() -> stack.smsSink().messagesTo(PHONE), list -> list.size() > smsBefore);
        String code = Demo.codeIn(messages.get(smsBefore).body());

        GatewayClient.Answer wrong = gateway.check(challengeId, Demo.wrongCodeFor(code));
        assertEquals(200, wrong.status(), String.valueOf(wrong.body()));
        assertEquals("pending", wrong.body().path("status").asText());
        assertEquals(4, wrong.body().path("remainingAttempts").asInt());

        GatewayClient.Answer right = gateway.check(challengeId, code);
        assertEquals(200, right.status(), String.valueOf(right.body()));
        assertEquals("approved", right.body().path("status").asText());

        GatewayClient.Answer again = gateway.check(challengeId, code);
        assertFalse(again.status() == 200 && "approved".equals(again.body().path("status").asText()),
                "a code is accepted once: " + again.body());

        // Every event of this user's thread, as Kafka holds it, is in the audit trail once and only once.
        String key = Topics.key(TENANT, userId);
        await("every event of the thread in the audit trail").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Set<String> published = eventIdsOnKafka(key);
            List<String> audited = new ArrayList<>();
            gateway.auditTrail(userId).body().forEach(event -> audited.add(event.path("eventId").asText()));
            assertTrue(published.size() >= 7, "login, risk, decision, delivery job, delivery status, two checks at least: "
                    + published.size());
            assertEquals(published, new HashSet<>(audited));
            assertEquals(audited.size(), new HashSet<>(audited).size(), "no event audited twice");
        });
        assertEquals(smsBefore + 1, stack.smsSink().messagesTo(PHONE).size(), "one SMS for one challenge");

        Pattern plaintext = Pattern.compile("(?<![0-9])" + code + "(?![0-9])");
        for (String entry : PlatformScan.redisEntries(stack.redisOptions("operator"))) {
            assertFalse(plaintext.matcher(entry).find(), "plaintext code in Redis: " + entry);
        }
        List<PlatformScan.KafkaText> records = PlatformScan.kafkaRecords(stack.kafkaClientConfig(BusCredentials.ADMIN));
        assertTrue(records.size() >= 7);
        for (PlatformScan.KafkaText record : records) {
            assertFalse(plaintext.matcher(record.all()).find(), "plaintext code on Kafka: " + record);
        }
        for (ServiceProcess service : stack.services()) {
            String log = Files.readString(service.logFile());
            assertFalse(plaintext.matcher(log).find(), "plaintext code in the log of " + service.name());
        }
    }

    @Test
    void malformedLoginGoesToTheDeadLetterTopicIsAuditedAndTheNextLoginIsStillDecided() {
        String userId = "user-" + UUID.randomUUID();
        String key = Topics.key(TENANT, userId);
        String goodLogin = "login-" + UUID.randomUUID();
        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.send(Topics.LOGIN, key, "{\"type\":\"auth.login\",\"payload\":{\"loginId\":");
            publisher.publish(TENANT, new LoginAttempted(goodLogin, userId, false,
                    new Device("fp-" + UUID.randomUUID(), "curl/8"), "198.51.100.21", Purpose.LOGIN));
        }

        JsonNode decision = await("the next login's decision").atMost(Duration.ofSeconds(60))
                .until(() -> gateway.loginDecision(goodLogin), answer -> answer.status() == 200).body();
        assertEquals("DENY", decision.path("decision").asText(), "a failed password is never challenged");

        await("the malformed record on the dead-letter topic").atMost(Duration.ofSeconds(60)).until(() ->
                PlatformScan.kafkaRecords(stack.kafkaClientConfig(BusCredentials.ADMIN)).stream()
                        .anyMatch(r -> r.topic().equals(Topics.deadLetter(Topics.LOGIN)) && key.equals(r.key())));
        await("the dead letter in the audit trail").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode trail = gateway.auditTrail(userId).body();
            List<String> types = new ArrayList<>();
            trail.forEach(event -> types.add(event.path("type").asText()));
            assertTrue(types.contains("dead-letter"), "audited types: " + types);
        });
        assertNotEquals(0, stack.services().size());
        stack.services().forEach(service -> service.awaitReady(Duration.ofSeconds(5)));
    }

    @Test
    void anApprovedLoginTrustsItsDeviceAndRiskServiceHonoursOnlyTheGenuineToken() {
        String userId = "user-" + UUID.randomUUID();
        String phone = "+4915123456789";
        String fingerprint = "fp-" + UUID.randomUUID();
        assertEquals(200, Demo.enrollPhone(stack, gateway, userId, phone).status());
        int smsBefore = stack.smsSink().messagesTo(phone).size();
        // The enrolment forgot the user's devices; a token carries its issue time in whole seconds, and one issued
        // in the second of a forgetting counts as issued before it. A person takes longer than that; this test
        // waits for the next second.
        java.time.Instant enrolled = java.time.Instant.now();
        await("the second after the enrolment").pollInterval(Duration.ofMillis(50))
                .until(() -> java.time.Instant.now().getEpochSecond() > enrolled.getEpochSecond());

        String firstLogin = "login-" + UUID.randomUUID();
        publishLogin(firstLogin, userId, new Device(fingerprint, "Mozilla/5.0 (e2e)"));
        String challengeId = decisionOf(firstLogin).path("challengeId").asText();
        String code = Demo.codeIn(await("the SMS").atMost(Duration.ofSeconds(60))
                .until(() -> stack.smsSink().messagesTo(phone), list -> list.size() > smsBefore).get(smsBefore).body());
        assertEquals("approved", gateway.check(challengeId, code).body().path("status").asText());

        GatewayClient.Answer trusted = gateway.trustDevice(challengeId, "e2e laptop");
        assertTrue(trusted.status() == 200 || trusted.status() == 201, String.valueOf(trusted.body()));
        String token = trusted.body().path("token").asText();
        assertTrue(token.startsWith("eyJ") && token.split("\\.", -1).length == 3, "a signed device token (compact JWS)");

        // The token signed by challenge-service is verified by risk-service with the public key alone.
        String withToken = "login-" + UUID.randomUUID();
        publishLogin(withToken, userId, new Device(fingerprint, "Mozilla/5.0 (e2e)", token));
        JsonNode honoured = decisionOf(withToken);
        assertEquals("ALLOW", honoured.path("decision").asText(), honoured.toString());
        assertTrue(honoured.path("reasons").toString().contains("TRUSTED_DEVICE"), honoured.toString());

        String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
        String withForgery = "login-" + UUID.randomUUID();
        publishLogin(withForgery, userId, new Device(fingerprint, "Mozilla/5.0 (e2e)", forged));
        JsonNode refused = decisionOf(withForgery);
        assertTrue(refused.path("reasons").toString().contains("INVALID_DEVICE_TOKEN"), refused.toString());
        assertFalse(refused.path("reasons").toString().contains("\"TRUSTED_DEVICE\""), refused.toString());
    }

    @Test
    void anAuthenticatorOnlyUserIsChallengedOnTheAuthenticatorAndApprovedWithOathtool() throws Exception {
        String userId = "user-" + UUID.randomUUID();
        GatewayClient.Answer enrolled = gateway.enrollTotp(userId);
        assertEquals(201, enrolled.status(), String.valueOf(enrolled.body()));
        String secret = secretOf(enrolled.body().path("otpauthUri").asText());
        long now = System.currentTimeMillis() / 1000;
        GatewayClient.Answer active = gateway.activateFactor(userId, enrolled.body().path("factorId").asText(),
                oathtool(secret, now));
        assertEquals(200, active.status(), String.valueOf(active.body()));

        String loginId = "login-" + UUID.randomUUID();
        publishLogin(loginId, userId, new Device("fp-" + UUID.randomUUID(), "Mozilla/5.0 (e2e)"));
        JsonNode decision = decisionOf(loginId);
        assertEquals("CHALLENGE", decision.path("decision").asText(), decision.toString());
        assertEquals("totp", decision.path("factor").asText(), decision.toString());
        assertTrue(decision.path("alternatives").toString().contains("recovery_code"), decision.toString());

        // The activation used this time step: the next one's code answers the login.
        long next = (now / 30 + 1) * 30;
        await("the next time step").atMost(Duration.ofSeconds(35))
                .until(() -> System.currentTimeMillis() / 1000 >= next);
        GatewayClient.Answer right = gateway.check(decision.path("challengeId").asText(), oathtool(secret, next));
        assertEquals(200, right.status(), String.valueOf(right.body()));
        assertEquals("approved", right.body().path("status").asText());
    }

    @Test
    void aLoginWhoseWhatsappIsNeverDeliveredFallsBackToSmsWithTheSameCode() throws Exception {
        String tenant = "e2e-fallback";
        GatewayClient fallback = GatewayClient.of(stack, stack.tokens(), tenant);
        String admin = stack.tokens().mint(tenant, "admin", Duration.ofMinutes(10));
        assertEquals(200, fallback.putSetting(admin, stack.service("challenge-service").url() + "/v1/settings/verify",
                Map.of("autoChannels", List.of("whatsapp", "sms"))).status());
        assertEquals(200, fallback.putSetting(admin, stack.service("delivery-service").url()
                + "/v1/settings/delivery", Map.of("fallbackTimeoutSeconds", 5)).status());
        String phone = "+14155550177";
        String userId = "user-" + UUID.randomUUID();
        assertEquals(200, Demo.enrollPhone(stack, fallback, userId, phone).status());
        int smsBefore = stack.smsSink().messagesTo(phone).size();

        String loginId = "login-" + UUID.randomUUID();
        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.publish(tenant, new LoginAttempted(loginId, userId, true,
                    new Device("fp-" + UUID.randomUUID(), "Mozilla/5.0 (e2e)"), "198.51.100.40", Purpose.LOGIN));
        }
        JsonNode decision = await("the login decision").atMost(Duration.ofSeconds(60))
                .until(() -> fallback.loginDecision(loginId), answer -> answer.status() == 200).body();
        assertEquals("whatsapp", decision.path("factor").asText(), decision.toString());
        List<SmsSink.Message> whatsapp = await("the WhatsApp template").atMost(Duration.ofSeconds(60))
                .until(() -> stack.smsSink().whatsappTo(phone), list -> !list.isEmpty());
        String code = whatsapp.get(whatsapp.size() - 1).code();
        // No receipt comes for the WhatsApp message: after the tenant's timeout the same code goes by SMS.
        List<SmsSink.Message> sms = await("the SMS fallback").atMost(Duration.ofSeconds(60))
                .until(() -> stack.smsSink().messagesTo(phone), list -> list.size() > smsBefore);
        assertEquals(code, Demo.codeIn(sms.get(smsBefore).body()));
        GatewayClient.Answer right = fallback.check(decision.path("challengeId").asText(), code);
        assertEquals(200, right.status(), String.valueOf(right.body()));
        assertEquals("approved", right.body().path("status").asText());

        await("each step of the delivery in the trail").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String trail = fallback.auditTrail(userId).body().toString();
            assertTrue(trail.contains("FELL_BACK"), trail);
            assertTrue(trail.contains("\"WHATSAPP\"") && trail.contains("\"SMS\""), trail);
        });
    }

    private static String secretOf(String otpauthUri) {
        for (String pair : java.net.URI.create(otpauthUri).getRawQuery().split("&")) {
            if (pair.startsWith("secret=")) {
                return pair.substring("secret=".length());
            }
        }
        throw new IllegalArgumentException("no secret in " + otpauthUri);
    }

    /** The TOTP code the independent {@code oathtool} computes for the base32 secret at this second. */
    private static String oathtool(String secret, long epochSecond) throws Exception {
        Process p = new ProcessBuilder("oathtool", "--totp", "-b", "-N", "@" + epochSecond, secret)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor());
        return out;
    }

    private static void publishLogin(String loginId, String userId, Device device) {
        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.publish(TENANT, new LoginAttempted(loginId, userId, true, device, "198.51.100.30",
                    Purpose.LOGIN));
        }
    }

    private static JsonNode decisionOf(String loginId) {
        return await("the decision of " + loginId).atMost(Duration.ofSeconds(60))
                .until(() -> gateway.loginDecision(loginId), answer -> answer.status() == 200).body();
    }

    private static Set<String> eventIdsOnKafka(String key) throws Exception {
        Set<String> ids = new HashSet<>();
        for (PlatformScan.KafkaText record : PlatformScan.kafkaRecords(stack.kafkaClientConfig(BusCredentials.ADMIN))) {
            if (key.equals(record.key()) && Topics.ALL.contains(record.topic())) {
                ids.add(JSON.readTree(record.value()).path("eventId").asText());
            }
        }
        return ids;
    }
}
