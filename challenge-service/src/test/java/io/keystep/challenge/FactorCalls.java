package io.keystep.challenge;

import io.keystep.kit.formats.NoticeHeaders;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.auth.Callers;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Factor calls as a gateway makes them (bearer token and tenant), and the notices they cause, read from Kafka. */
final class FactorCalls {

    private FactorCalls() {
    }

    /** Enrolls and activates a TOTP factor; answers {factorId, otpauthUri} and the recovery codes if it gave any. */
    static ExtractableResponse<Response> activeTotp(String tenant, String user, String[] factor) throws Exception {
        ExtractableResponse<Response> enrolled = FactorProofs.toAdd(tenant, user).contentType(ContentType.JSON).body("{}").post("/v1/users/{u}/factors/totp", user)
                .then().statusCode(201).extract();
        factor[0] = enrolled.path("factorId");
        factor[1] = enrolled.path("otpauthUri");
        FactorProofs.rememberAuthenticator(tenant, user, factor[0], factor[1]);
        return Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + Authenticators.oathtoolTotp(factor[1], FactorProofs.clock().instant()) + "\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, factor[0]).then().statusCode(200).extract();
    }

    static List<String> generateRecoveryCodes(String tenant, String user) throws Exception {
        return FactorProofs.toAdd(tenant, user).post("/v1/users/{u}/recovery-codes", user).then().statusCode(201).extract().path("codes");
    }

    static ValidatableResponse createVerification(String tenant, String body) {
        return Callers.gateway(tenant).contentType(ContentType.JSON).body(body).post("/v1/verifications").then();
    }

    static ValidatableResponse recoveryVerification(String tenant, String user, String purpose) {
        return createVerification(tenant, "{\"channel\":\"recovery_code\",\"userId\":\"" + user + "\",\"purpose\":\""
                + purpose + "\"}");
    }

    static ValidatableResponse check(String tenant, String id, String code) {
        return Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"code\":\"" + code + "\"}")
                .post("/v1/verifications/{id}/check", id).then();
    }

    static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The {@code factor.changed.v1} records of the user that carry {@code "change":"<change>"}, at least {@code n}. */
    static List<ConsumerRecord<String, String>> changes(String tenant, String user, String change, int n) {
        return EventLog.await(Topics.FACTOR_CHANGED, n, r -> (tenant + ":" + user).equals(r.key())
                && r.value().contains("\"change\":\"" + change + "\""));
    }

    /** Where the notice goes, opened as a delivery worker would (the notice key, bound to tenant and event id). */
    static String noticeDestinations(ObjectMapper mapper, String tenant, ConsumerRecord<String, String> record)
            throws Exception {
        String sealed = header(record, NoticeHeaders.TO);
        if (sealed == null) {
            return null;
        }
        JsonNode envelope = mapper.readTree(record.value());
        return SealedCodes.openNotice(sealed, tenant, envelope.get("eventId").asText());
    }
}
