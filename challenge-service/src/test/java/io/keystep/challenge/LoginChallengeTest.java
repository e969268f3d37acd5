package io.keystep.challenge;

import io.keystep.challenge.store.ChallengeStore;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Decision;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class LoginChallengeTest {

    private static final String TEST_PEPPER = "dGVzdC1wZXBwZXItdGVzdC1wZXBwZXItdGVzdC1wZXBwZXItMzItYnl0ZXMh";

    @Inject
    ObjectMapper mapper;

    @Inject
    RedisDataSource redis;

    @Inject
    AdjustableClock clock;

    @Test
    void challengedLoginGetsADecisionAndADeliveryJobWithASealedSixDigitCode() throws Exception {
        String tenant = LoginThread.unique("t");
        Instant before = clock.instant();
        LoginThread.Issued issued = LoginThread.challenge(mapper, tenant);

        JsonNode decision = issued.decision();
        assertThat(decision.at("/type").asText(), equalTo("auth.decision"));
        assertThat(decision.at("/tenantId").asText(), equalTo(tenant));
        assertThat(decision.at("/correlationId").asText(), equalTo(issued.loginId()));
        assertThat(decision.at("/payload/decision").asText(), equalTo("CHALLENGE"));
        assertThat(decision.at("/payload/challengeId").asText(), equalTo(issued.challengeId()));

        JsonNode job = issued.job().get("payload");
        assertThat(issued.job().at("/type").asText(), equalTo("challenge.issued"));
        // The tenant's phone chain (by default SMS, then WhatsApp, then voice), as channel auto tries it.
        assertThat(job.get("channelPlan").toString(), equalTo("[\"SMS\",\"WHATSAPP\",\"VOICE\"]"));
        assertThat(decision.at("/payload/factor").asText(), equalTo("SMS"));
        assertThat(job.get("destination").asText(), equalTo("+15555550123"));
        assertThat(job.get("locale").asText(), equalTo("en"));
        assertThat(job.get("purpose").asText(), equalTo("LOGIN"));
        assertThat(job.get("loginId").asText(), equalTo(issued.loginId()));
        Instant expiresAt = Instant.parse(job.get("expiresAt").asText());
        assertTrue(expiresAt.isAfter(before.plus(Duration.ofMinutes(4)))
                && expiresAt.isBefore(clock.instant().plus(Duration.ofMinutes(6))), "expires in five minutes");
        assertThat(SealedCodes.header(job.get("sealedCode").asText()).path("kid").asText(), equalTo("t1"));
        assertThat(job.get("sealedCode").asText(), not(containsString(issued.code())));
        assertThat(issued.code(), matchesPattern("[0-9]{6}"));
    }

    @Test
    void redisHoldsOnlyTheKeyedHashOfTheCode() throws Exception {
        String tenant = LoginThread.unique("t");
        LoginThread.Issued issued = LoginThread.challenge(mapper, tenant);

        Map<String, String> hash = redis.hash(String.class).hgetall(ChallengeStore.challengeKey(issued.challengeId()));
        assertThat(hash, allOf(hasEntry("tenant", tenant), hasEntry("userId", issued.userId()),
                hasEntry("loginId", issued.loginId()), hasEntry("status", "pending"), hasEntry("attempts", "0"),
                hasEntry("maxAttempts", "5"), hasEntry("purpose", "LOGIN"), hasEntry("device", "fp-" + issued.userId())));
        assertThat(hash.values(), not(hasItem(issued.code())));
        assertThat(hash.get("digest"), equalTo(hmac(tenant + "|" + issued.challengeId() + "|" + issued.code())));
        long ttl = redis.key().pttl(ChallengeStore.challengeKey(issued.challengeId()));
        assertThat(ttl, greaterThan(Duration.ofMinutes(5).toMillis()));
    }

    @Test
    void pollingGatewaysReadTheLoginDecision() throws Exception {
        String tenant = LoginThread.unique("t");
        LoginThread.Issued issued = LoginThread.challenge(mapper, tenant);

        Callers.gateway(tenant)
                .get("/v1/logins/{loginId}", issued.loginId())
                .then().statusCode(200)
                .body("loginId", equalTo(issued.loginId()))
                .body("decision", equalTo("CHALLENGE"))
                .body("challengeId", equalTo(issued.challengeId()))
                .body("reasons", hasItem("NEW_DEVICE"));
        Callers.gateway("another-" + tenant)
                .get("/v1/logins/{loginId}", issued.loginId())
                .then().statusCode(404)
                .contentType(containsString("application/problem+json"));
    }

    @Test
    void allowAndDenyArePassedOnWithTheirReasons() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("user");
        String allowed = LoginThread.unique("login");
        String denied = LoginThread.unique("login");
        LoginThread.publishRisk(mapper, tenant, user, allowed, Decision.ALLOW, List.of("KNOWN_DEVICE"));
        LoginThread.publishRisk(mapper, tenant, user, denied, Decision.DENY, List.of("IMPOSSIBLE_TRAVEL"));

        JsonNode allow = LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, allowed);
        assertThat(allow.at("/payload/decision").asText(), equalTo("ALLOW"));
        assertThat(allow.at("/payload/reasons/0").asText(), equalTo("KNOWN_DEVICE"));
        JsonNode deny = LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, denied);
        assertThat(deny.at("/payload/decision").asText(), equalTo("DENY"));
        assertThat(deny.at("/payload/reasons/0").asText(), equalTo("IMPOSSIBLE_TRAVEL"));
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, Topics.key(tenant, user)), empty());
        Callers.gateway(tenant).get("/v1/logins/{loginId}", denied)
                .then().statusCode(200).body("decision", equalTo("DENY"));
    }

    @Test
    void userWithoutPhoneIsDeniedAndGetsNoChallenge() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("user");
        String login = LoginThread.unique("login");
        String marker = LoginThread.unique("login");
        LoginThread.publishRisk(mapper, tenant, user, login, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        // Same key, same partition: once the marker is decided, the challenge verdict before it was handled.
        LoginThread.publishRisk(mapper, tenant, user, marker, Decision.ALLOW, List.of());

        JsonNode deny = LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, login);
        assertThat(deny.at("/payload/decision").asText(), equalTo("DENY"));
        assertThat(deny.at("/payload/reasons/0").asText(), equalTo("NO_FACTOR_ENROLLED"));
        assertTrue(deny.at("/payload/challengeId").isMissingNode() || deny.at("/payload/challengeId").isNull());
        LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, marker);
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, Topics.key(tenant, user)), empty());
    }

    @Test
    void redeliveredVerdictIssuesNothingNew() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("user");
        String login = LoginThread.unique("login");
        String marker = LoginThread.unique("login");
        LoginThread.enrollPhone(tenant, user, "+15555550123");
        String verdict = LoginThread.riskEvent(mapper, tenant, user, login, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), verdict);
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), verdict);
        LoginThread.publishRisk(mapper, tenant, user, marker, Decision.ALLOW, List.of());

        LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, marker);
        assertThat(EventLog.records(Topics.LOGIN_DECISION, r -> r.value().contains(login)), hasSize(1));
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, r -> r.value().contains(login)), hasSize(1));
    }

    @Test
    void malformedVerdictGoesToTheDeadLetterTopicAndTheNextOneIsStillProcessed() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("user");
        String login = LoginThread.unique("login");
        String malformed = "{\"eventId\":\"" + LoginThread.unique("broken") + "\",\"payload\":";
        String missingField = "{\"eventId\":\"" + java.util.UUID.randomUUID() + "\",\"type\":\"risk.assessed\","
                + "\"schemaVersion\":1,\"occurredAt\":\"2026-01-01T00:00:00Z\",\"tenantId\":\"" + tenant + "\","
                + "\"correlationId\":\"x\",\"payload\":{\"loginId\":\"x\",\"decision\":\"CHALLENGE\"}}";
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), malformed);
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), missingField);
        LoginThread.publishRisk(mapper, tenant, user, login, Decision.ALLOW, List.of());

        EventLog.await(Topics.deadLetter(Topics.RISK_ASSESSED), 1, r -> r.value().equals(malformed));
        EventLog.await(Topics.deadLetter(Topics.RISK_ASSESSED), 1, r -> r.value().equals(missingField));
        JsonNode decision = LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, login);
        assertThat(decision.at("/payload/decision").asText(), equalTo("ALLOW"));
    }

    @Test
    void unknownLoginIsA404Problem() {
        Callers.gateway("t-unknown")
                .get("/v1/logins/{loginId}", "no-such-login")
                .then().statusCode(404)
                .contentType(containsString("application/problem+json"))
                .body("status", equalTo(404));
    }

    private static String hmac(String input) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(TEST_PEPPER), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aChallengeWhoseDeliveryJobWasNotAcknowledgedIsPublishedOnRedelivery() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("user");
        String login = LoginThread.unique("login");
        LoginThread.enrollPhone(tenant, user, VerifyApi.phone());
        String verdict = LoginThread.riskEvent(mapper, tenant, user, login, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        PublishFailures.failNextJob(login);
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), verdict);
        // The failed record went to the dead-letter topic; the login is recorded, its job is not out.
        EventLog.await(Topics.deadLetter(Topics.RISK_ASSESSED), 1, r -> r.value().contains(login));
        EventLog.await(Topics.LOGIN_DECISION, 1, r -> r.value().contains(login));
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, r -> r.value().contains(login)), hasSize(0));

        // The same record again (replayed from the dead-letter topic, or redelivered after a restart).
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), verdict);
        JsonNode job = mapper.readTree(EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(login))
                .get(0).value());
        String challengeId = job.at("/payload/challengeId").asText();
        assertThat(job.at("/payload/sendAttempt").asInt(), equalTo(2));
        var decisions = EventLog.await(Topics.LOGIN_DECISION, 2, r -> r.value().contains(login));
        assertThat(mapper.readTree(decisions.get(1).value()).at("/payload/challengeId").asText(), equalTo(challengeId));
        String code = SealedCodes.open(job.at("/payload/sealedCode").asText(), tenant, challengeId);
        VerifyApi.check(tenant, challengeId, code, true).statusCode(200).body("status", equalTo("approved"));

        // Published and acknowledged now: a third delivery issues nothing more.
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), verdict);
        String later = LoginThread.unique("login");
        LoginThread.publishRisk(mapper, tenant, user, later, Decision.ALLOW, List.of());
        EventLog.await(Topics.LOGIN_DECISION, 1, r -> r.value().contains(later));
        assertThat(EventLog.records(Topics.LOGIN_DECISION, r -> r.value().contains(login)), hasSize(2));
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, r -> r.value().contains(login)), hasSize(1));
    }

    @Test
    void aDecisionThatWasNotAcknowledgedIsPublishedOnRedelivery() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("user");
        String login = LoginThread.unique("login");
        String verdict = LoginThread.riskEvent(mapper, tenant, user, login, Decision.ALLOW, List.of());
        PublishFailures.failNextDecision(login);
        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), verdict);
        EventLog.await(Topics.deadLetter(Topics.RISK_ASSESSED), 1, r -> r.value().contains(login));
        assertThat(EventLog.records(Topics.LOGIN_DECISION, r -> r.value().contains(login)), hasSize(0));

        EventLog.publish(Topics.RISK_ASSESSED, Topics.key(tenant, user), verdict);
        JsonNode decision = mapper.readTree(EventLog.await(Topics.LOGIN_DECISION, 1, r -> r.value().contains(login))
                .get(0).value());
        assertThat(decision.at("/payload/decision").asText(), equalTo("ALLOW"));
    }

    @Test
    void aPhoneInCooldownGetsNoSecondLoginSmsAndTheLoginIsDeniedAsRateLimited() throws Exception {
        String tenant = LoginThread.unique("t");
        LoginThread.Issued first = LoginThread.challenge(mapper, tenant);

        String second = LoginThread.unique("login");
        LoginThread.publishRisk(mapper, tenant, first.userId(), second, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        JsonNode denied = LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, first.userId(), second);
        assertThat(denied.at("/payload/decision").asText(), equalTo("DENY"));
        assertThat(denied.at("/payload/reasons/0").asText(), equalTo("RATE_LIMITED"));
        assertThat(denied.at("/payload/reasons/1").asText(), equalTo("NEW_DEVICE"));
        JsonNode limited = mapper.readTree(EventLog.await(Topics.VERIFICATION_LIMITED, 1,
                r -> Topics.key(tenant, first.userId()).equals(r.key())).get(0).value());
        assertThat(limited.at("/payload/limit").asText(), equalTo("DESTINATION_COOLDOWN"));
        assertThat(limited.at("/payload/destination").asText(), not(containsString("5550123")));
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, r -> r.value().contains(second)), hasSize(0));

        // Past the cooldown the phone gets the next login's code.
        clock.advance(Duration.ofSeconds(31));
        String third = LoginThread.unique("login");
        LoginThread.publishRisk(mapper, tenant, first.userId(), third, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        assertThat(LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, first.userId(), third)
                .at("/payload/decision").asText(), equalTo("CHALLENGE"));
        EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(third));
    }
}
