package io.keystep.challenge;

import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Decision;
import io.keystep.events.Envelope;
import io.keystep.events.Purpose;
import io.keystep.events.RiskAssessed;
import io.keystep.events.Topics;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Drives the thread a gateway and risk-service would: enroll a phone, publish a verdict, read what came out. */
public final class LoginThread {

    /** A challenge as a delivery worker sees it, with the code opened. */
    public record Issued(String tenantId, String userId, String loginId, String challengeId, String code,
                         JsonNode decision, JsonNode job) {
    }

    private LoginThread() {
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    /** Enrolls the phone as a gateway does (see {@link FactorProofs#enrollPhone}). */
    public static void enrollPhone(String tenantId, String userId, String phone) throws Exception {
        FactorProofs.enrollPhone(tenantId, userId, phone);
    }

    public static String riskEvent(ObjectMapper mapper, String tenantId, String userId, String loginId,
                                   Decision decision, List<String> reasons) throws Exception {
        return mapper.writeValueAsString(Envelope.of(RiskAssessed.TYPE, Instant.now(), tenantId, loginId,
                new RiskAssessed(loginId, userId, decision, 70, reasons, Purpose.LOGIN, "fp-" + userId)));
    }

    public static void publishRisk(ObjectMapper mapper, String tenantId, String userId, String loginId,
                                   Decision decision, List<String> reasons) throws Exception {
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenantId, userId),
                riskEvent(mapper, tenantId, userId, loginId, decision, reasons));
    }

    /** The payload of the one record on {@code topic} for this login, once it arrived. */
    public static JsonNode awaitPayload(ObjectMapper mapper, String topic, String tenantId, String userId,
                                        String loginId) throws Exception {
        ConsumerRecord<String, String> r = EventLog.await(topic, 1,
                rec -> Topics.key(tenantId, userId).equals(rec.key()) && rec.value().contains(loginId)).get(0);
        return mapper.readTree(r.value());
    }

    /** Enrolls a phone for a fresh user, has the login challenged and returns the challenge with its code. */
    public static Issued challenge(ObjectMapper mapper, String tenantId) throws Exception {
        String userId = unique("user");
        enrollPhone(tenantId, userId, "+15555550123");
        return challengeOf(mapper, tenantId, userId);
    }

    /** Has a login of this enrolled user challenged and returns the challenge with its code. */
    public static Issued challengeOf(ObjectMapper mapper, String tenantId, String userId) throws Exception {
        String loginId = unique("login");
        publishRisk(mapper, tenantId, userId, loginId, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        JsonNode decision = awaitPayload(mapper, Topics.LOGIN_DECISION, tenantId, userId, loginId);
        JsonNode job = awaitPayload(mapper, Topics.CHALLENGE_ISSUED, tenantId, userId, loginId);
        String challengeId = job.at("/payload/challengeId").asText();
        String code = SealedCodes.open(job.at("/payload/sealedCode").asText(), tenantId, challengeId);
        return new Issued(tenantId, userId, loginId, challengeId, code, decision, job);
    }

    /** A code of the same length that is not {@code code}. */
    public static String wrong(String code) {
        char first = code.charAt(0) == '9' ? '0' : (char) (code.charAt(0) + 1);
        return first + code.substring(1);
    }
}
