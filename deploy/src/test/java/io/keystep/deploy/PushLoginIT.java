package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.BusAccess;
import io.keystep.events.Device;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Purpose;
import io.keystep.testsupport.SmsSink;
import io.keystep.testsupport.push.ReferenceAuthenticator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Push approval end to end on the packaged services: the reference authenticator pairs with a user, a login from a
 * new device goes to push, delivery-service notifies the phone through the run's FCM stand-in, the app reads the push
 * from its inbox, and the number from the login screen approves it; a phone whose token FCM no longer knows moves the
 * login to SMS, which reaches the SMS sink.
 */
@ExtendWith(SharedStack.class)
class PushLoginIT {

    private static final String TENANT = "e2e-push";
    /** The tenant's send cooldown per number, the shortest a tenant may set. */
    private static final Duration COOLDOWN = Duration.ofSeconds(5);
    private static LocalStack stack;
    private static GatewayClient gateway;

    @BeforeAll
    static void useTheSharedStack(LocalStack shared) {
        stack = shared;
        gateway = GatewayClient.of(stack, stack.tokens(), TENANT);
        String admin = stack.tokens().mint(TENANT, "admin", Duration.ofMinutes(10));
        assertEquals(200, gateway.putSetting(admin, stack.service("challenge-service").url() + "/v1/settings/verify",
                Map.of("destinationCooldownSeconds", (int) COOLDOWN.toSeconds())).status());
    }

    /** A user whose first factor is a phone app paired by the reference authenticator. */
    private static ReferenceAuthenticator paired(String userId) {
        GatewayClient.Answer link = gateway.pushPairing(userId);
        assertEquals(201, link.status(), String.valueOf(link.body()));
        ReferenceAuthenticator app = ReferenceAuthenticator.es256("fcm", "e2e:" + HexFormat.of().formatHex(
                UUID.randomUUID().toString().getBytes()), "Pixel 9");
        ReferenceAuthenticator.Answer paired = app.pair(link.body().path("pairingUrl").asText());
        assertEquals(201, paired.status(), String.valueOf(paired.body()));
        return app;
    }

    private static String login(String userId) {
        String loginId = "login-" + UUID.randomUUID();
        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.publish(TENANT, new LoginAttempted(loginId, userId, true,
                    new Device("fp-" + UUID.randomUUID(), "Mozilla/5.0 (e2e push)"), "198.51.100.20",
                    Purpose.LOGIN));
        }
        return loginId;
    }

    private static JsonNode decision(String loginId, String factor) {
        return Poll.until("the login decision on " + factor, Duration.ofSeconds(60), () -> {
            GatewayClient.Answer answer = gateway.loginDecision(loginId);
            return answer.status() == 200 && factor.equals(answer.body().path("factor").asText())
                    ? Optional.of(answer.body()) : Optional.empty();
        });
    }

    /** The push the phone receives for {@code challengeId}, read from FCM's inbox as a phone gets it. */
    private static ReferenceAuthenticator.Notification received(ReferenceAuthenticator app, String challengeId) {
        return Poll.until("the push in the phone's inbox", Duration.ofSeconds(60), () -> app.inbox(
                stack.fcm().baseUrl()).stream().filter(n -> n.challengeId().equals(challengeId)).findFirst());
    }

    @Test
    void aLoginOnPushIsApprovedByTheNumberOnTheLoginScreen() {
        String userId = "user-" + UUID.randomUUID();
        ReferenceAuthenticator app = paired(userId);
        JsonNode decision = decision(login(userId), "push");
        assertEquals("Pixel 9", decision.path("hint").asText());
        String challengeId = decision.path("challengeId").asText();
        ReferenceAuthenticator.Notification push = received(app, challengeId);

        ReferenceAuthenticator.Answer context = app.context(challengeId);
        assertEquals(200, context.status(), String.valueOf(context.body()));
        assertTrue(context.body().at("/login/device").asText().contains("e2e push"), context.body().toString());
        assertFalse(context.body().toString().contains("198.51.100.20"), "the app never sees the login's address");

        ReferenceAuthenticator.Answer approved = app.approve(push, decision.path("number").asInt());
        assertEquals("approved", approved.text("status"), String.valueOf(approved.body()));
        Poll.until("the approval in the trail", Duration.ofSeconds(30), () -> {
            JsonNode trail = gateway.auditTrail(userId).body();
            if (trail == null) {
                return Optional.empty();
            }
            for (JsonNode event : trail) {
                JsonNode payload = event.path("payload");
                if ("verification.completed".equals(event.path("type").asText())
                        && "PUSH".equals(payload.path("factor").asText())
                        && "APPROVED".equals(payload.path("outcome").asText())) {
                    return Optional.of(event);
                }
            }
            return Optional.empty();
        });
    }

    @Test
    void aPhoneFcmNoLongerKnowsMovesTheLoginToSms() {
        String userId = "user-" + UUID.randomUUID();
        String phone = "+1415555" + String.format("%04d", Math.abs(userId.hashCode()) % 10_000);
        ReferenceAuthenticator app = paired(userId);
        // The phone number is a second factor, added with a step-up answered on the paired app.
        GatewayClient.Answer stepUp = gateway.verification(Map.of("channel", "push", "userId", userId,
                "purpose", "factor_change"));
        assertEquals(201, stepUp.status(), String.valueOf(stepUp.body()));
        String stepUpId = stepUp.body().path("id").asText();
        assertEquals("approved", app.approve(received(app, stepUpId), stepUp.body().path("number").asInt())
                .text("status"));
        int before = stack.smsSink().messagesTo(phone).size();
        assertEquals(202, gateway.enrollPhone(userId, phone, stepUpId).status());
        SmsSink.Message enrollment = Poll.until("the enrollment SMS", Duration.ofSeconds(30), () ->
                stack.smsSink().messagesTo(phone).stream().skip(before).findFirst());
        assertEquals(200, gateway.confirmPhone(userId, Demo.codeIn(enrollment.body())).status());

        // A login's SMS keeps the number's send cooldown like any other: the enrollment SMS started it.
        org.awaitility.Awaitility.await("the number's send cooldown").atMost(COOLDOWN.plusSeconds(5))
                .until(() -> java.time.Instant.now().isAfter(enrollment.receivedAt().plus(COOLDOWN).plusMillis(500)));
        stack.fcm().markUnregistered(app.pushToken());
        int smsBefore = stack.smsSink().messagesTo(phone).size();
        JsonNode moved = decision(login(userId), "sms");
        assertEquals("PUSH_UNDELIVERABLE", moved.path("reasons").get(0).asText(), moved.toString());
        SmsSink.Message sms = Poll.until("the login's SMS", Duration.ofSeconds(60), () ->
                stack.smsSink().messagesTo(phone).stream().skip(smsBefore).findFirst());
        GatewayClient.Answer approved = gateway.check(moved.path("challengeId").asText(), Demo.codeIn(sms.body()));
        assertEquals("approved", approved.body().path("status").asText(), String.valueOf(approved.body()));
    }
}
