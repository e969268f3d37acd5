package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class VerifyApiTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    @Test
    void creatingAVerificationSendsASealedCodeAndAnswersPending() throws Exception {
        String tenant = LoginThread.unique("t");
        String phone = VerifyApi.phone();
        String id = VerifyApi.create(tenant, VerifyApi.sms(phone, "ann")).statusCode(201)
                .body("status", equalTo("pending"))
                .body("channel", equalTo("sms"))
                .body("to", allOf(matchesPattern("\\+1555\\*+[0-9]{3}"), org.hamcrest.Matchers.not(equalTo(phone))))
                .body("expiresAt", notNullValue())
                .body("sendAttempts", equalTo(1))
                .extract().path("id");

        JsonNode job = mapper.readTree(EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(id)).get(0).value());
        assertThat(job.at("/payload/destination").asText(), equalTo(phone));
        assertThat(job.at("/payload/channelPlan/0").asText(), equalTo("SMS"));
        assertThat(job.at("/payload/userId").asText(), equalTo("ann"));
        String code = VerifyApi.code(mapper, tenant, id, 1);
        VerifyApi.check(tenant, id, code, true).statusCode(200).body("status", equalTo("approved"));
        Callers.gateway(tenant).get("/v1/verifications/{id}", id)
                .then().statusCode(200).body("status", equalTo("approved")).body("purpose", equalTo("login"));
    }

    @Test
    void sameIdempotencyKeyAnswersTheSameVerificationAndSendsNothing() throws Exception {
        String tenant = LoginThread.unique("t");
        String body = VerifyApi.sms(VerifyApi.phone(), "ben");
        String first = Callers.gateway(tenant).header("Idempotency-Key", "k-1")
                .contentType(ContentType.JSON).body(body).post("/v1/verifications")
                .then().statusCode(201).extract().path("id");
        String second = Callers.gateway(tenant).header("Idempotency-Key", "k-1")
                .contentType(ContentType.JSON).body(body).post("/v1/verifications")
                .then().statusCode(201).extract().path("id");
        assertThat(second, equalTo(first));
        Callers.gateway(tenant).header("Idempotency-Key", "k-1")
                .contentType(ContentType.JSON).body(VerifyApi.sms(VerifyApi.phone(), "ben")).post("/v1/verifications")
                .then().statusCode(422).contentType(containsString("application/problem+json"));

        // A later send for this tenant proves the log has moved past anything the repeat could have sent.
        clock.advance(Duration.ofSeconds(31));
        String marker = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "ben-2")).statusCode(201)
                .extract().path("id");
        EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(marker));
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, r -> r.value().contains(first)), hasSize(1));
    }

    @Test
    void resendReplacesTheCodeAndKeepsTheRemainingAttempts() throws Exception {
        String tenant = LoginThread.unique("t");
        String id = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "cat")).statusCode(201)
                .extract().path("id");
        String oldCode = VerifyApi.code(mapper, tenant, id, 1);
        VerifyApi.check(tenant, id, LoginThread.wrong(oldCode), true).body("remainingAttempts", equalTo(4));

        Callers.gateway(tenant).contentType(ContentType.JSON).body("{}")
                .post("/v1/verifications/{id}/resend", id)
                .then().statusCode(429).header("Retry-After", notNullValue());
        clock.advance(Duration.ofSeconds(31));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{}")
                .post("/v1/verifications/{id}/resend", id)
                .then().statusCode(200)
                .body("sendAttempts", equalTo(2))
                .body("remainingAttempts", equalTo(4));
        String newCode = VerifyApi.code(mapper, tenant, id, 2);

        if (!newCode.equals(oldCode)) {
            VerifyApi.check(tenant, id, oldCode, true).statusCode(200).body("status", equalTo("pending"))
                    .body("remainingAttempts", equalTo(3));
        }
        VerifyApi.check(tenant, id, newCode, true).statusCode(200).body("status", equalTo("approved"));

        // Delivery deduplicates on challenge id and send attempt: the resend must carry attempt 2.
        var jobs = EventLog.await(Topics.CHALLENGE_ISSUED, 2, r -> r.value().contains(id));
        assertThat(mapper.readTree(jobs.get(0).value()).at("/payload/sendAttempt").asInt(), equalTo(1));
        assertThat(mapper.readTree(jobs.get(1).value()).at("/payload/sendAttempt").asInt(), equalTo(2));
        // The refused resend is in the trail, correlated with the verification.
        JsonNode limited = mapper.readTree(EventLog.await(Topics.VERIFICATION_LIMITED, 1,
                r -> r.value().contains(id)).get(0).value());
        assertThat(limited.at("/payload/limit").asText(), equalTo("DESTINATION_COOLDOWN"));
        assertThat(limited.at("/correlationId").asText(), equalTo(id));
        assertThat(limited.at("/payload/userId").asText(), equalTo("cat"));
        assertThat(limited.at("/payload/retryAfterSeconds").asLong(), greaterThan(0L));
    }

    @Test
    void newVerificationForTheSameUserAndPurposeCancelsTheOldOneAndInheritsItsSpentAttempts() throws Exception {
        String tenant = LoginThread.unique("t");
        String phone = VerifyApi.phone();
        String first = VerifyApi.create(tenant, VerifyApi.sms(phone, "dan")).statusCode(201).extract().path("id");
        String firstCode = VerifyApi.code(mapper, tenant, first, 1);
        VerifyApi.check(tenant, first, LoginThread.wrong(firstCode), true).body("remainingAttempts", equalTo(4));
        VerifyApi.check(tenant, first, LoginThread.wrong(firstCode), true).body("remainingAttempts", equalTo(3));

        clock.advance(Duration.ofSeconds(31));
        String second = VerifyApi.create(tenant, VerifyApi.sms(phone, "dan")).statusCode(201)
                .body("remainingAttempts", equalTo(3))
                .extract().path("id");

        // The replaced verification's end is in the trail, with the attempts it had spent.
        JsonNode canceled = mapper.readTree(EventLog.await(Topics.VERIFICATION_COMPLETED, 1,
                r -> r.value().contains(first) && r.value().contains("\"CANCELED\"")).get(0).value());
        assertThat(canceled.at("/payload/attemptsUsed").asInt(), equalTo(2));
        assertThat(canceled.at("/payload/userId").asText(), equalTo("dan"));
        assertThat(canceled.at("/payload/factor").asText(), equalTo("SMS"));

        VerifyApi.check(tenant, first, firstCode, true).statusCode(200).body("status", equalTo("canceled"));
        String secondCode = VerifyApi.code(mapper, tenant, second, 1);
        VerifyApi.check(tenant, second, LoginThread.wrong(secondCode), true).body("remainingAttempts", equalTo(2));
    }

    @Test
    void transactionCodeIsBoundToItsAmountAndPayee() throws Exception {
        String tenant = LoginThread.unique("t");
        String id = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\",\"userId\":\"eve\","
                        + "\"purpose\":\"transaction\",\"amount\":\"12.50 EUR\",\"payee\":\"ACME GmbH\"}")
                .statusCode(201)
                .body("purpose", equalTo("transaction"))
                .body("amount", equalTo("12.5 EUR"))
                .body("payee", equalTo("ACME GmbH"))
                .extract().path("id");
        String code = VerifyApi.code(mapper, tenant, id, 1);

        VerifyApi.check(tenant, id, "{\"code\":\"" + code + "\",\"amount\":\"99.00 EUR\",\"payee\":\"ACME GmbH\"}")
                .statusCode(200).body("status", equalTo("pending"));
        VerifyApi.check(tenant, id, "{\"code\":\"" + code + "\",\"amount\":\"12.50 EUR\",\"payee\":\"Mallory\"}")
                .statusCode(200).body("status", equalTo("pending"));
        VerifyApi.check(tenant, id, "{\"code\":\"" + code + "\"}")
                .statusCode(200).body("status", equalTo("pending"));
        VerifyApi.check(tenant, id, "{\"code\":\"" + code + "\",\"amount\":\"12.5 EUR\",\"payee\":\"ACME GmbH\"}")
                .statusCode(200).body("status", equalTo("approved")).body("remainingAttempts", equalTo(1));

        // The message names what the code approves: the delivery job carries the amount and the payee.
        JsonNode job = mapper.readTree(EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(id)).get(0).value());
        assertThat(job.at("/payload/amount").asText(), equalTo("12.5 EUR"));
        assertThat(job.at("/payload/payee").asText(), equalTo("ACME GmbH"));
        assertThat(job.at("/payload/purpose").asText(), equalTo("TRANSACTION"));
    }

    @Test
    void transactionWithoutAmountIsRejectedNamingAmount() {
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"channel\":\"sms\",\"purpose\":\"transaction\","
                        + "\"payee\":\"ACME\"}")
                .statusCode(400).contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("amount"));
    }

    @Test
    void canceledVerificationNoLongerApproves() throws Exception {
        String tenant = LoginThread.unique("t");
        String id = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), null)).statusCode(201)
                .extract().path("id");
        String code = VerifyApi.code(mapper, tenant, id, 1);
        VerifyApi.check(tenant, id, LoginThread.wrong(code), true).statusCode(200).body("remainingAttempts", equalTo(4));

        Callers.gateway(tenant).post("/v1/verifications/{id}/cancel", id)
                .then().statusCode(200).body("status", equalTo("canceled"));
        Callers.gateway(tenant).post("/v1/verifications/{id}/cancel", id)
                .then().statusCode(200).body("status", equalTo("canceled"));
        VerifyApi.check(tenant, id, code, true).statusCode(200).body("status", equalTo("canceled"));
        // The cancel is in the trail once (the repeated cancel announces nothing new), with the spent attempt;
        // the later check of the canceled verification is a REJECTED after it.
        EventLog.await(Topics.VERIFICATION_COMPLETED, 3, r -> r.value().contains(id));
        var completed = EventLog.records(Topics.VERIFICATION_COMPLETED, r -> r.value().contains(id)).stream()
                .map(r -> { try { return mapper.readTree(r.value()); } catch (Exception e) { throw new IllegalStateException(e); } })
                .toList();
        assertThat(completed.stream().map(n -> n.at("/payload/outcome").asText()).toList(),
                equalTo(java.util.List.of("REJECTED", "CANCELED", "REJECTED")));
        assertThat(completed.get(1).at("/payload/attemptsUsed").asInt(), equalTo(1));
        Callers.gateway(tenant).get("/v1/verifications/{id}", id)
                .then().statusCode(200).body("status", equalTo("canceled"));
        Callers.gateway("other-" + tenant).post("/v1/verifications/{id}/cancel", id)
                .then().statusCode(404).contentType(containsString("application/problem+json"));
    }

    @Test
    void secondSendToOneDestinationWithinThirtySecondsIsRefusedWithRetryAfter() {
        String tenant = LoginThread.unique("t");
        String phone = VerifyApi.phone();
        VerifyApi.create(tenant, VerifyApi.sms(phone, "fay")).statusCode(201);
        String retryAfter = VerifyApi.create(tenant, VerifyApi.sms(phone, "gus")).statusCode(429)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("send-limited"))
                .extract().header("Retry-After");
        assertThat(Integer.parseInt(retryAfter), allOf(greaterThanOrEqualTo(1), lessThanOrEqualTo(30)));

        // No verification was created: the event is keyed and correlated by the user.
        var limited = EventLog.await(Topics.VERIFICATION_LIMITED, 1, r -> (tenant + ":gus").equals(r.key()));
        assertThat(limited, hasSize(1));
        assertThat(limited.get(0).value(), allOf(containsString("\"DESTINATION_COOLDOWN\""),
                containsString("\"correlationId\":\"gus\""), containsString("\"retryAfterSeconds\":" + retryAfter)));
        assertThat(limited.get(0).value(), org.hamcrest.Matchers.not(containsString(phone)));
    }

    @Test
    void sixthSendToOneDestinationWithinTenMinutesIsRefused() {
        String tenant = LoginThread.unique("t");
        String phone = VerifyApi.phone();
        for (int i = 0; i < 5; i++) {
            VerifyApi.create(tenant, VerifyApi.sms(phone, "hal")).statusCode(201);
            clock.advance(Duration.ofSeconds(31));
        }
        String retryAfter = VerifyApi.create(tenant, VerifyApi.sms(phone, "hal")).statusCode(429)
                .body("detail", containsString("destination_window"))
                .extract().header("Retry-After");
        assertThat(Integer.parseInt(retryAfter), greaterThan(30));
        clock.advance(Duration.ofMinutes(10));
        VerifyApi.create(tenant, VerifyApi.sms(phone, "hal")).statusCode(201);
    }

    @Test
    void oneClientIpCannotSendBeyondItsCeiling() {
        String tenant = LoginThread.unique("t");
        for (int i = 0; i < 30; i++) {
            VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "ivy" + i), "203.0.113.7").statusCode(201);
        }
        VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "ivy-last"), "203.0.113.7").statusCode(429)
                .body("detail", containsString("ip")).header("Retry-After", notNullValue());
        VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "ivy-other"), "203.0.113.8").statusCode(201);
    }

    @Test
    void oneTenantCannotSendBeyondItsCeiling() {
        String tenant = LoginThread.unique("t");
        for (int i = 0; i < 150; i++) {
            VerifyApi.create(tenant, VerifyApi.sms("+1555" + String.format("%07d", i), "jo" + i), "192.0.2." + (i % 100))
                    .statusCode(201);
        }
        VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "jo-last"), "192.0.2.200").statusCode(429)
                .body("detail", containsString("tenant")).header("Retry-After", notNullValue());
        VerifyApi.create(LoginThread.unique("t"), VerifyApi.sms(VerifyApi.phone(), "jo-elsewhere"), "192.0.2.201")
                .statusCode(201);
    }

    @Test
    void invalidRequestsAreRejectedNamingTheField() {
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"channel\":\"pigeon\"}")
                .statusCode(400).body("errors[0].field", equalTo("channel"));
        VerifyApi.create("t-validation", "{\"to\":\"not-a-number\",\"channel\":\"sms\"}")
                .statusCode(400).body("errors[0].field", equalTo("to"));
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"channel\":\"sms\",\"purpose\":\"fun\"}")
                .statusCode(400).body("errors[0].field", equalTo("purpose"));
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"channel\":\"sms\",\"codeLength\":3}")
                .statusCode(400).body("errors[0].field", equalTo("codeLength"));
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"channel\":\"email\"}")
                .statusCode(400).body("errors[0].field", equalTo("to"));
    }

    @Test
    void oneRefusalNamesEveryBadFieldOfAVerification() {
        VerifyApi.create("t-validation", "{\"to\":\"not-a-number\",\"channel\":\"sms\",\"userId\":\"jo smith\","
                        + "\"locale\":\"english\",\"purpose\":\"fun\",\"codeLength\":3}")
                .statusCode(400).contentType(containsString("application/problem+json"))
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors.field", contains("to", "userId", "locale", "purpose", "codeLength"))
                .body("detail", allOf(containsString("to: must be a phone number"), containsString("; codeLength: ")));
        // A transaction needs both; any other purpose takes neither.
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"channel\":\"sms\",\"purpose\":\"transaction\"}")
                .statusCode(400).body("errors.field", contains("amount", "payee"));
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"channel\":\"sms\",\"amount\":\"5\","
                        + "\"payee\":\"ACME\"}")
                .statusCode(400).body("errors.field", contains("amount", "payee"));
        VerifyApi.create("t-validation", "{\"to\":\"+15555550123\",\"codeLength\":11}")
                .statusCode(400).body("errors.field", contains("channel", "codeLength"));
        // What 'to' must be depends on the channel: with a bad channel it is not judged.
        VerifyApi.create("t-validation", "{\"to\":\"not-a-number\",\"channel\":\"pigeon\",\"codeLength\":11}")
                .statusCode(400).body("errors.field", contains("channel", "codeLength"));
        VerifyApi.create("t-validation", "{\"channel\":\"totp\",\"to\":\"+15555550123\",\"codeLength\":8}")
                .statusCode(400).body("errors.field", contains("to", "userId", "codeLength"));
        Callers.gateway("t-validation").header("Idempotency-Key", "k".repeat(256)).contentType(ContentType.JSON)
                .body("{\"channel\":\"fax\"}")
                .post("/v1/verifications").then().statusCode(400)
                .body("errors.field", contains("Idempotency-Key", "channel"));
    }

    @Test
    void aCheckWithSeveralBadFieldsNamesThemAllAndSpendsNoAttempt() {
        String tenant = LoginThread.unique("t");
        String id = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), null)).statusCode(201)
                .extract().path("id");
        VerifyApi.check(tenant, id, "{\"code\":\"12\",\"amount\":\"twelve\",\"payee\":\"a|b\"}").statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", contains("code", "amount", "payee"));
        VerifyApi.check(tenant, id, "{}").statusCode(400).body("errors.field", contains("code"));
        Callers.gateway(tenant).get("/v1/verifications/{id}", id).then().statusCode(200)
                .body("status", equalTo("pending")).body("remainingAttempts", equalTo(5));
    }

    @Test
    void codeLengthAndAutoChannelAreHonoured() throws Exception {
        String tenant = LoginThread.unique("t");
        String id = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"auto\",\"codeLength\":8}")
                .statusCode(201).body("channel", equalTo("sms")).extract().path("id");
        JsonNode job = mapper.readTree(EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(id)).get(0).value());
        assertThat(job.at("/payload/channelPlan").toString(), equalTo("[\"SMS\",\"WHATSAPP\",\"VOICE\"]"));
        assertThat(VerifyApi.code(mapper, tenant, id, 1), matchesPattern("[0-9]{8}"));
    }
}
