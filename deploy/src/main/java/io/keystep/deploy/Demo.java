package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.BusAccess;
import io.keystep.events.Device;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Purpose;
import io.keystep.testsupport.SmsSink;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Walks the main thread on a running stack, as a login gateway and a person would: enroll a phone, log in from
 * a new device, read the SMS, type a wrong code and then the right one, and show the audit trail.
 */
public final class Demo {

    /** A one-time code as it stands in a message: a run of 4 to 10 digits on its own. */
    public static final Pattern CODE_IN_MESSAGE = Pattern.compile("(?<![0-9])([0-9]{4,10})(?![0-9])");

    public static final String TENANT = "demo";
    public static final String PHONE = "+14155552671";

    private Demo() {
    }

    /**
     * Enrolls a phone for a user without factors as a gateway does: the request sends a code to the number (read
     * here from the SMS sink), and the code confirms it. Answers the confirmation.
     */
    public static GatewayClient.Answer enrollPhone(LocalStack stack, GatewayClient gateway, String userId,
                                                   String phone) {
        int before = stack.smsSink().messagesTo(phone).size();
        GatewayClient.Answer pending = gateway.enrollPhone(userId, phone);
        if (pending.status() != 202) {
            throw new IllegalStateException("enrolling " + userId + "'s phone answered " + pending.status() + " "
                    + pending.body());
        }
        SmsSink.Message sms = Poll.until("the enrollment SMS", Duration.ofSeconds(30), () ->
                stack.smsSink().messagesTo(phone).stream().skip(before).findFirst());
        return gateway.confirmPhone(userId, codeIn(sms.body()));
    }

    public static void run(LocalStack stack, PrintStream out) {
        GatewayClient gateway = GatewayClient.of(stack, stack.tokens(), TENANT);
        String userId = "alice-" + UUID.randomUUID().toString().substring(0, 8);
        String loginId = "login-" + UUID.randomUUID();

        out.println();
        out.println("Demo, tenant '" + TENANT + "', user '" + userId + "'");
        GatewayClient.Answer enrolled = enrollPhone(stack, gateway, userId, PHONE);
        out.println("1. enroll " + PHONE + " for SMS codes: PUT /v1/users/" + userId + "/phone, then the code it"
                + " received to POST /v1/users/" + userId + "/phone/confirm -> " + enrolled.status());
        int smsBefore = stack.smsSink().messagesTo(PHONE).size();

        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.publish(TENANT, new LoginAttempted(loginId, userId, true,
                    new Device("fp-" + UUID.randomUUID(), "Mozilla/5.0 (demo)"), "203.0.113.7", Purpose.LOGIN));
        }
        out.println("2. login " + loginId + " from a new device published to auth.login.v1");

        JsonNode decision = Poll.until("the login decision", Duration.ofSeconds(30), () -> {
            GatewayClient.Answer answer = gateway.loginDecision(loginId);
            return answer.status() == 200 ? Optional.of(answer.body()) : Optional.empty();
        });
        String challengeId = decision.path("challengeId").asText();
        out.println("3. decision: " + decision.path("decision").asText() + " " + decision.path("reasons")
                + ", challenge " + challengeId);

        SmsSink.Message sms = Poll.until("the SMS", Duration.ofSeconds(30), () ->
                stack.smsSink().messagesTo(PHONE).stream().skip(smsBefore).findFirst());
        out.println("4. the SMS sink received, for " + sms.to() + ": \"" + sms.body() + "\"");
        String code = codeIn(sms.body());

        String wrong = wrongCodeFor(code);
        GatewayClient.Answer rejected = gateway.check(challengeId, wrong);
        out.println("5. check a wrong code: " + rejected.body());
        GatewayClient.Answer approved = gateway.check(challengeId, code);
        out.println("6. check the right code: " + approved.body());

        List<JsonNode> trail = Poll.until("the audit trail", Duration.ofSeconds(30), () -> {
            JsonNode events = gateway.auditTrail(userId).body();
            boolean complete = events != null && events.size() >= 7;
            return complete ? Optional.of(List.copyOf(toList(events))) : Optional.empty();
        });
        out.println("7. audit trail of " + userId + " (GET /v1/audit/events?userId=" + userId + "), oldest first:");
        for (int i = trail.size() - 1; i >= 0; i--) {
            JsonNode event = trail.get(i);
            out.println("   " + event.path("occurredAt").asText() + "  " + String.format("%-24s", event.path("type").asText())
                    + summary(event.path("payload")));
        }
        push(stack, gateway, out);
    }

    /**
     * A push login: the reference authenticator (a small client that plays the phone app) pairs with a new user, a
     * login goes to push, the phone reads the notification from the FCM stand-in's inbox, fetches the login's
     * context, and approves with the number the login screen shows.
     */
    static void push(LocalStack stack, GatewayClient gateway, PrintStream out) {
        String userId = "bob-" + UUID.randomUUID().toString().substring(0, 8);
        out.println();
        out.println("Push demo, user '" + userId + "' (the phone app is the reference authenticator)");
        GatewayClient.Answer link = gateway.pushPairing(userId);
        String pairingUrl = link.body().path("pairingUrl").asText();
        out.println("1. pairing link: POST /v1/users/" + userId + "/push-devices/pairing -> " + link.status() + " "
                + pairingUrl.replaceAll("/[^/]{20,}$", "/<token>"));
        io.keystep.testsupport.push.ReferenceAuthenticator phone = io.keystep.testsupport.push.ReferenceAuthenticator
                .es256("fcm", "demo:" + UUID.randomUUID(), "Bob's phone");
        io.keystep.testsupport.push.ReferenceAuthenticator.Answer paired = phone.pair(pairingUrl);
        out.println("2. the app pairs, proving its new key: " + paired.status() + " " + paired.body());
        String loginId = "login-" + UUID.randomUUID();
        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.publish(TENANT, new LoginAttempted(loginId, userId, true,
                    new Device("fp-" + UUID.randomUUID(), "Mozilla/5.0 (demo)"), "203.0.113.7", Purpose.LOGIN));
        }
        JsonNode decision = Poll.until("the push decision", Duration.ofSeconds(30), () -> {
            GatewayClient.Answer answer = gateway.loginDecision(loginId);
            return answer.status() == 200 ? Optional.of(answer.body()) : Optional.empty();
        });
        String challengeId = decision.path("challengeId").asText();
        out.println("3. login " + loginId + ": " + decision.path("decision").asText() + " on "
                + decision.path("factor").asText() + " (" + decision.path("hint").asText() + "); the login screen shows"
                + " the number " + decision.path("number").asInt());
        io.keystep.testsupport.push.ReferenceAuthenticator.Notification push = Poll.until("the push",
                Duration.ofSeconds(30), () -> phone.inbox(stack.fcm().baseUrl()).stream()
                        .filter(n -> n.challengeId().equals(challengeId)).findFirst());
        out.println("4. the phone received from FCM only the push's id and nonce; it asks what it is: "
                + phone.context(challengeId).body());
        io.keystep.testsupport.push.ReferenceAuthenticator.Answer approved = phone.approve(push,
                decision.path("number").asInt());
        out.println("5. the person types the number into the app, which signs its answer: " + approved.body());
    }

    /** The code in a message, or an error when the message carries none. */
    public static String codeIn(String message) {
        Matcher matcher = CODE_IN_MESSAGE.matcher(message);
        if (!matcher.find()) {
            throw new IllegalStateException("no code in the message");
        }
        return matcher.group(1);
    }

    /** A code of the same length that is certainly wrong. */
    public static String wrongCodeFor(String code) {
        char last = code.charAt(code.length() - 1);
        return code.substring(0, code.length() - 1) + (char) ('0' + (last - '0' + 1) % 10);
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new java.util.ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    private static String summary(JsonNode payload) {
        StringBuilder text = new StringBuilder();
        for (String field : List.of("decision", "reasons", "status", "channel", "outcome", "attemptsUsed", "destination")) {
            if (payload.has(field)) {
                text.append(field).append('=').append(payload.get(field)).append(' ');
            }
        }
        return text.toString().trim();
    }
}
