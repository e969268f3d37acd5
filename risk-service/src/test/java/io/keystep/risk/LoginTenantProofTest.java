package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.TenantProof;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.bearer;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A login is decided only when it carries its gateway's token for the tenant it names: records crafted by hand on the
 * real broker with another tenant's token, none, a stale or forged one, or another role's are refused, dead-lettered
 * with the reason and reported, and the user's next login is decided as usual.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class LoginTenantProofTest {

    private static final String IP = "192.0.2.10";

    @Test
    void aLoginForAnotherTenantCarryingAGatewayTokenIsNotAssessed() {
        String attacker = unique("tenant-a");
        String victim = unique("tenant-b");
        JsonNode refusal = refused(victim, bearer(Tokens.gateway(attacker)), "CROSS_TENANT");
        assertEquals(attacker, refusal.path("tenantId").asText());
        assertEquals(victim, refusal.path("payload").path("requestedTenant").asText());
        assertEquals(attacker + "-gateway-client", refusal.path("payload").path("subject").asText());
    }

    @Test
    void aLoginWithoutATokenIsNotAssessed() {
        String victim = unique("tenant-b");
        JsonNode refusal = refused(victim, null, "UNAUTHENTICATED");
        assertEquals(TenantProof.UNPROVEN_TENANT, refusal.path("tenantId").asText());
        assertEquals(victim, refusal.path("payload").path("requestedTenant").asText());
    }

    @Test
    void aLoginWithAnExpiredTokenIsNotAssessed() {
        String tenant = unique("tenant-b");
        JsonNode refusal = refused(tenant, bearer(Tokens.expired(tenant, Tokens.GATEWAY)), "UNAUTHENTICATED");
        assertEquals(TenantProof.UNPROVEN_TENANT, refusal.path("tenantId").asText());
    }

    @Test
    void aLoginWithAForgedTokenIsNotAssessed() {
        String forged = unique("tenant-b");
        refused(forged, bearer(Tokens.foreignSignature(forged, Tokens.GATEWAY)), "UNAUTHENTICATED");
        String notBearer = unique("tenant-b");
        refused(notBearer, "Basic " + Tokens.gateway(notBearer), "UNAUTHENTICATED");
        refused(unique("tenant-b"), bearer(Tokens.withoutTenant(Tokens.GATEWAY)), "UNAUTHENTICATED");
        refused(unique("tenant-b"), bearer(Tokens.wrongAudience(forged, Tokens.GATEWAY)), "UNAUTHENTICATED");
    }

    @Test
    void aLoginCarryingAWorkersTokenIsNotAssessed() {
        String tenant = unique("tenant-b");
        JsonNode refusal = refused(tenant, bearer(Tokens.worker(tenant)), "ROLE_NOT_ALLOWED");
        assertEquals(tenant, refusal.path("tenantId").asText());
    }

    @Test
    void aLoginCarryingItsGatewaysTokenIsAssessed() {
        String tenant = unique("tenant-b");
        String user = unique("user");
        String loginId = send(tenant, user, bearer(Tokens.gateway(tenant)));
        assertEquals("CHALLENGE", assessment(loginId).path("decision").asText());
        assertTrue(RiskKafka.loginDeadLetters().stream().noneMatch(r -> r.value().contains(loginId)));
    }

    /**
     * Sends a login naming {@code tenant} with {@code authorization}, then the same user's login with the right token;
     * checks that the first was dead-lettered with {@code reason} and not decided, while the second was decided.
     * Answers the published refusal.
     */
    private static JsonNode refused(String tenant, String authorization, String reason) {
        String user = unique("user");
        String refusedId = send(tenant, user, authorization);
        String nextId = send(tenant, user, bearer(Tokens.gateway(tenant)));

        assertEquals("CHALLENGE", assessment(nextId).path("decision").asText());
        ConsumerRecord<String, String> deadLetter = await().atMost(Duration.ofSeconds(30)).until(
                () -> RiskKafka.loginDeadLetters().stream().filter(r -> r.value().contains(refusedId)).findFirst(),
                java.util.Optional::isPresent).get();
        assertEquals(reason, header(deadLetter, TenantProof.REFUSAL_HEADER));
        assertFalse(header(deadLetter, "dead-letter-reason").isBlank());
        assertNull(deadLetter.headers().lastHeader(TenantProof.AUTHORIZATION), "the copy keeps no token");
        // the user's later login was decided, so the refused one was passed over, not left pending
        assertTrue(RiskKafka.assessedRecords(refusedId).isEmpty());

        return await().atMost(Duration.ofSeconds(30)).until(() -> RiskKafka.refusals().stream()
                .map(r -> RiskKafka.read(r.value()))
                .filter(r -> tenant.equals(r.path("payload").path("requestedTenant").asText(null))
                        || tenant.equals(r.path("tenantId").asText()))
                .filter(r -> Topics.LOGIN.equals(r.path("payload").path("path").asText()))
                .filter(r -> reason.equals(r.path("payload").path("reason").asText()))
                .findFirst(), java.util.Optional::isPresent).get();
    }

    private static String send(String tenant, String user, String authorization) {
        String loginId = unique("login");
        RiskKafka.send(Topics.LOGIN, tenant, user, RiskKafka.write(RiskKafka.loginEvent(tenant, user, loginId, true,
                "fp-" + loginId, IP, Purpose.LOGIN)), authorization);
        return loginId;
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
