package io.keystep.challenge;

import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.restassured.RestAssured.given;

/** Calls the Verify API as a gateway would, and reads the codes as a delivery worker would. */
public final class VerifyApi {

    private VerifyApi() {
    }

    /** A possible, unassigned North American number of its own. */
    public static String phone() {
        return "+1555" + String.format("%07d", ThreadLocalRandom.current().nextInt(10_000_000));
    }

    public static ValidatableResponse create(String tenantId, String body) {
        return Callers.gateway(tenantId).contentType(ContentType.JSON).body(body)
                .post("/v1/verifications").then();
    }

    public static ValidatableResponse create(String tenantId, String body, String ip) {
        return Callers.gateway(tenantId).header("X-Forwarded-For", ip).contentType(ContentType.JSON)
                .body(body).post("/v1/verifications").then();
    }

    public static String sms(String to, String userId) {
        return "{\"to\":\"" + to + "\",\"channel\":\"sms\"" + (userId == null ? "" : ",\"userId\":\"" + userId + "\"")
                + ",\"purpose\":\"login\"}";
    }

    public static ValidatableResponse check(String tenantId, String id, String body) {
        return Callers.gateway(tenantId).contentType(ContentType.JSON).body(body)
                .post("/v1/verifications/{id}/check", id).then();
    }

    public static ValidatableResponse check(String tenantId, String id, String code, boolean unused) {
        return check(tenantId, id, "{\"code\":\"" + code + "\"}");
    }

    /** The code of the {@code n}-th (1-based) delivery job published for this verification. */
    public static String code(ObjectMapper mapper, String tenantId, String id, int n) throws Exception {
        List<ConsumerRecord<String, String>> jobs = EventLog.await(Topics.CHALLENGE_ISSUED, n,
                r -> r.value().contains(id));
        JsonNode job = mapper.readTree(jobs.get(n - 1).value());
        return SealedCodes.open(job.at("/payload/sealedCode").asText(), tenantId, id);
    }
}
