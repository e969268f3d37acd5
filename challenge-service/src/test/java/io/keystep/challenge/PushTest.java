package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Decision;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.push.ReferenceAuthenticator;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * Push approval through the API, answered by the reference authenticator: pairing as a factor change, a login on
 * push approved by transferring the number from the login screen, and every way an approval must fail (a wrong
 * number, an expired push, a replay, another device's signature), the fatigue limit, and "this wasn't me".
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class PushTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    /** The service's own address: the pairing link names the configured public one. */
    private static String here(String pairingUrl) {
        return pairingUrl.replaceFirst("^https?://[^/]+", "http://localhost:" + RestAssured.port);
    }

    /** A user with a phone and a paired device; answers the device. */
    private ReferenceAuthenticator paired(String tenant, String user) throws Exception {
        FactorProofs.enrollPhone(tenant, user, VerifyApi.phone());
        String link = FactorProofs.toAdd(tenant, user).post("/v1/users/{u}/push-devices/pairing", user).then()
                .statusCode(201).extract().path("pairingUrl");
        ReferenceAuthenticator app = ReferenceAuthenticator.es256("fcm", "fcm-token-" + LoginThread.unique("d"),
                "Pixel 9").withClock(clock);
        ReferenceAuthenticator.Answer paired = app.pair(here(link));
        assertThat(String.valueOf(paired.body()), paired.status(), equalTo(201));
        return app;
    }

    /** A login of the user, challenged; answers its decision as the gateway reads it. */
    private JsonNode login(String tenant, String user) throws Exception {
        String login = LoginThread.unique("login");
        LoginThread.publishRisk(mapper, tenant, user, login, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, login);
        return mapper.readTree(Callers.gateway(tenant).get("/v1/logins/{l}", login).then().statusCode(200)
                .extract().asString());
    }

    /** The notification the device receives for a push: the job's challenge id and its sealed nonce, opened. */
    private ReferenceAuthenticator.Notification notification(String tenant, String challengeId, String token)
            throws Exception {
        ConsumerRecord<String, String> job = EventLog.await(Topics.CHALLENGE_ISSUED, 1,
                r -> r.value().contains(challengeId)).get(0);
        JsonNode payload = mapper.readTree(job.value()).get("payload");
        assertThat(payload.get("channelPlan").toString(), equalTo("[\"PUSH\"]"));
        assertThat(payload.get("destination").asText(), equalTo("fcm:" + token));
        return new ReferenceAuthenticator.Notification(challengeId,
                SealedCodes.open(payload.get("sealedCode").asText(), tenant, challengeId));
    }

    @Test
    void aPairedDeviceApprovesALoginWithTheNumberTheLoginScreenShows() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"displayName\":\"Acme Bank\"}")
                .put("/v1/settings/push").then().statusCode(200);
        ReferenceAuthenticator app = paired(tenant, user);
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .body("find { it.type == 'push' }.factorId", equalTo(app.deviceId()));
        FactorCalls.changes(tenant, user, "ACTIVATED", 2);

        JsonNode decision = login(tenant, user);
        assertThat(decision.toString(), decision.get("factor").asText(), equalTo("push"));
        assertThat(decision.get("hint").asText(), equalTo("Pixel 9"));
        int number = decision.get("number").asInt();
        String challengeId = decision.get("challengeId").asText();
        ReferenceAuthenticator.Notification push = notification(tenant, challengeId, app.pushToken());

        ReferenceAuthenticator.Answer context = app.context(challengeId);
        assertThat(context.status(), equalTo(200));
        assertThat(context.body().at("/login/tenant").asText(), equalTo("Acme Bank"));
        assertThat(context.body().toString(), not(containsString("\"number\"")));

        ReferenceAuthenticator.Answer approved = app.approve(push, number);
        assertThat(approved.body().toString(), approved.text("status"), equalTo("approved"));
        String completed = EventLog.await(Topics.VERIFICATION_COMPLETED, 1,
                r -> r.value().contains(challengeId) && r.value().contains("\"APPROVED\"")).get(0).value();
        assertThat(completed, containsString("\"factor\":\"PUSH\""));
        // A replayed approval: the push approved once.
        assertThat(app.approve(push, number).status(), equalTo(409));
        // A code through the Verify API never answers a push.
        VerifyApi.check(tenant, challengeId, "{\"code\":\"" + number + "00\"}").statusCode(400);
    }

    @Test
    void aWrongNumberIsAFailedAttemptAndAnExpiredPushIsNotApproved() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        ReferenceAuthenticator app = paired(tenant, user);
        JsonNode decision = login(tenant, user);
        int number = decision.get("number").asInt();
        ReferenceAuthenticator.Notification push = notification(tenant, decision.get("challengeId").asText(),
                app.pushToken());
        int wrong = number == 99 ? 10 : number + 1;
        ReferenceAuthenticator.Answer answer = app.approve(push, wrong);
        assertThat(answer.text("status"), equalTo("pending"));
        assertThat(answer.body().get("remainingAttempts").asInt(), equalTo(4));
        // A nonce that is not the push's is refused before any judgement.
        assertThat(app.approve(new ReferenceAuthenticator.Notification(push.challengeId(), "AAAAAAAAAAAAAAAAAAAAAA"),
                number).status(), equalTo(403));

        clock.advance(Duration.ofSeconds(61));
        assertThat(app.approve(push, number).text("status"), equalTo("expired"));
    }

    @Test
    void anApprovalSignedByAnotherDeviceIsRefused() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String other = LoginThread.unique("u");
        ReferenceAuthenticator app = paired(tenant, user);
        ReferenceAuthenticator stranger = paired(tenant, other);
        JsonNode decision = login(tenant, user);
        int number = decision.get("number").asInt();
        ReferenceAuthenticator.Notification push = notification(tenant, decision.get("challengeId").asText(),
                app.pushToken());
        // Another user's paired device, signing as itself: not its push.
        assertThat(stranger.approve(push, number).status(), equalTo(404));
        // The same device naming the user's device: its signature does not verify under that device's key.
        String body = "{\"nonce\":\"" + push.nonce() + "\",\"verdict\":\"approve\",\"number\":" + number + "}";
        assertThat(stranger.signed("POST", "/v1/push/challenges/" + push.challengeId() + "/answer", body,
                app.deviceId()).status(), equalTo(401));
        // Unsigned.
        Callers.gateway(tenant).contentType(ContentType.JSON).body(body)
                .post("/v1/push/challenges/{id}/answer", push.challengeId()).then().statusCode(401);
        assertThat(app.approve(push, number).text("status"), equalTo("approved"));
    }

    @Test
    void pastTheFatigueLimitTheLoginGoesToTheNextFactorUntilAnApproval() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        Callers.admin(tenant).contentType(ContentType.JSON).body("{\"maxPushes\":2}").put("/v1/settings/push")
                .then().statusCode(200);
        ReferenceAuthenticator app = paired(tenant, user);
        assertThat(login(tenant, user).get("factor").asText(), equalTo("push"));
        assertThat(login(tenant, user).get("factor").asText(), equalTo("push"));
        FactorProofs.pastCooldown();
        JsonNode third = login(tenant, user);
        assertThat(third.toString(), third.get("factor").asText(), equalTo("sms"));
        assertThat(third.get("alternatives").toString(), not(containsString("push")));

        // An approval starts the count again.
        FactorProofs.pastCooldown();
        VerifyApi.check(tenant, third.get("challengeId").asText(), VerifyApi.code(mapper, tenant,
                third.get("challengeId").asText(), 1), true).statusCode(200).body("status", equalTo("approved"));
        JsonNode fourth = login(tenant, user);
        assertThat(fourth.get("factor").asText(), equalTo("push"));
    }

    @Test
    void thisWasntMeEndsThePushTellsTheUserAndLandsInTheTrail() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        ReferenceAuthenticator app = paired(tenant, user);
        JsonNode decision = login(tenant, user);
        String challengeId = decision.get("challengeId").asText();
        ReferenceAuthenticator.Notification push = notification(tenant, challengeId, app.pushToken());
        assertThat(app.deny(push, "not_me").text("status"), equalTo("denied"));
        Callers.gateway(tenant).get("/v1/verifications/{id}", challengeId).then().statusCode(200)
                .body("status", equalTo("canceled"));
        EventLog.await(Topics.VERIFICATION_COMPLETED, 1, r -> r.value().contains(challengeId)
                && r.value().contains("\"DENIED\""));
        ConsumerRecord<String, String> reported = FactorCalls.changes(tenant, user, "SIGN_IN_REPORTED", 1).get(0);
        assertThat(FactorCalls.noticeDestinations(mapper, tenant, reported), containsString("SMS:+"));
        // Denied once; the number no longer approves it.
        assertThat(app.approve(push, decision.get("number").asInt()).text("status"), equalTo("canceled"));
    }

    /** delivery-service's report that a push failed, as it writes it (with its origin proof when {@code proven}). */
    private void pushFailed(String tenant, String user, String challengeId, String reason, boolean proven)
            throws Exception {
        String key = Topics.key(tenant, user);
        String value = mapper.writeValueAsString(io.keystep.events.Envelope.of(
                io.keystep.events.DeliveryStatusChanged.TYPE, java.time.Instant.now(), tenant, challengeId,
                new io.keystep.events.DeliveryStatusChanged(challengeId, user, io.keystep.events.Channel.PUSH, "fcm",
                        io.keystep.events.DeliveryStatus.FAILED, reason, "fcm:...abcdef", null)));
        EventLog.publish(Topics.DELIVERY_STATUS, key, value, proven ? java.util.Map.of(
                io.keystep.kit.messaging.EventOrigin.HEADER,
                io.keystep.testsupport.auth.EventOriginKey.proof(Topics.DELIVERY_STATUS, key, value))
                : java.util.Map.of());
    }

    @Test
    void anUnregisteredTokenMovesTheLoginToSmsUntilTheAppRefreshesIt() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        ReferenceAuthenticator app = paired(tenant, user);
        FactorProofs.pastCooldown();
        JsonNode decision = login(tenant, user);
        String challengeId = decision.get("challengeId").asText();
        String loginId = decision.get("loginId").asText();
        // A record that does not prove it is delivery-service's (an SMS worker can write the topic) moves nothing.
        pushFailed(tenant, user, challengeId, "push_token_unregistered", false);
        pushFailed(tenant, user, challengeId, "push_token_unregistered", true);
        JsonNode moved = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> mapper.readTree(
                Callers.gateway(tenant).get("/v1/logins/{l}", loginId).then().statusCode(200).extract().asString()),
                d -> "sms".equals(d.path("factor").asText()));
        assertThat(moved.get("reasons").get(0).asText(), equalTo("PUSH_UNDELIVERABLE"));
        Callers.gateway(tenant).get("/v1/users/{u}/push-devices", user).then().statusCode(200)
                .body("[0].reachable", equalTo(false));
        FactorProofs.pastCooldown();
        assertThat(login(tenant, user).get("factor").asText(), equalTo("sms"));

        assertThat(app.refreshToken("fcm-token-" + LoginThread.unique("r")).status(), equalTo(204));
        assertThat(login(tenant, user).get("factor").asText(), equalTo("push"));
    }

    @Test
    void anUnprovenReportIsIgnoredAndAProviderErrorMovesTheLoginButKeepsTheDevice() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        paired(tenant, user);
        FactorProofs.pastCooldown();
        JsonNode decision = login(tenant, user);
        String challengeId = decision.get("challengeId").asText();
        // Both records share the user's key, so they are read in order: once the second has moved the login, the
        // first (unproven, claiming the token dead) was read and left alone.
        pushFailed(tenant, user, challengeId, "push_token_unregistered", false);
        pushFailed(tenant, user, challengeId, "provider_error", true);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> mapper.readTree(
                        Callers.gateway(tenant).get("/v1/logins/{l}", decision.get("loginId").asText()).then()
                                .statusCode(200).extract().asString()),
                d -> "sms".equals(d.path("factor").asText()));
        Callers.gateway(tenant).get("/v1/users/{u}/push-devices", user).then().statusCode(200)
                .body("[0].reachable", equalTo(true));
    }

    @Test
    void aPushOnlyUserStepsUpWithThePairedDeviceToAddAnotherFactor() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String link = here(Callers.gateway(tenant).header("First-Factor-Authenticated-At", FactorProofs.firstFactorAt())
                .post("/v1/users/{u}/push-devices/pairing", user).then().statusCode(201).extract().path("pairingUrl"));
        ReferenceAuthenticator app = ReferenceAuthenticator.es256("fcm", "fcm-token-" + LoginThread.unique("d"),
                "Pixel 9").withClock(clock);
        assertThat(app.pair(link).status(), equalTo(201));
        // The user has a factor now: the first-factor header no longer adds one.
        Callers.gateway(tenant).header("First-Factor-Authenticated-At", FactorProofs.firstFactorAt())
                .contentType(ContentType.JSON).body("{}").post("/v1/users/{u}/factors/totp", user).then()
                .statusCode(403);

        io.restassured.response.ExtractableResponse<io.restassured.response.Response> created = VerifyApi.create(
                tenant, "{\"channel\":\"push\",\"userId\":\"" + user + "\",\"purpose\":\"factor_change\"}")
                .statusCode(201).body("channel", equalTo("push")).extract();
        String id = created.path("id");
        int number = created.path("number");
        ReferenceAuthenticator.Notification push = notification(tenant, id, app.pushToken());
        assertThat(app.approve(push, number).text("status"), equalTo("approved"));
        Callers.gateway(tenant).header("Step-Up-Verification-Id", id).contentType(ContentType.JSON).body("{}")
                .post("/v1/users/{u}/factors/totp", user).then().statusCode(201);
    }

    @Test
    void pairingIsAFactorChangeAndItsLinkWorksOnceForTheKeyThatSignedIt() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        FactorProofs.enrollPhone(tenant, user, VerifyApi.phone());
        Callers.gateway(tenant).post("/v1/users/{u}/push-devices/pairing", user).then().statusCode(403)
                .body("type", containsString("step-up-required"));
        String link = here(FactorProofs.toAdd(tenant, user).post("/v1/users/{u}/push-devices/pairing", user).then()
                .statusCode(201).extract().path("pairingUrl"));
        ReferenceAuthenticator app = ReferenceAuthenticator.ed25519("apns", java.util.HexFormat.of().formatHex(
                java.util.UUID.randomUUID().toString().repeat(2).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                0, 32), "iPhone").withClock(clock);
        // A body signed by another key than the one it names proves nothing and leaves the link usable.
        ReferenceAuthenticator forger = ReferenceAuthenticator.es256("apns", app.pushToken(), "iPhone");
        String token = link.substring(link.lastIndexOf('/') + 1);
        String forged = "{\"publicKey\":\"" + java.util.Base64.getEncoder().encodeToString(new byte[91])
                + "\",\"algorithm\":\"ES256\",\"platform\":\"apns\",\"pushToken\":\"" + "ab".repeat(32)
                + "\",\"name\":\"x\","
                + "\"signature\":\"AAAA\"}";
        RestAssured.given().contentType(ContentType.JSON).body(forged).post("/v1/push/pairings/{t}", token).then()
                .statusCode(400).body("errors[0].field", equalTo("publicKey"));
        assertThat(app.pair(link).status(), equalTo(201));
        assertThat(forger.pair(link).status(), equalTo(404));
        Callers.gateway(tenant).get("/v1/users/{u}/push-devices", user).then().statusCode(200)
                .body("[0].platform", equalTo("apns")).body("[0].reachable", equalTo(true));
    }
}
