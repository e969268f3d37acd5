package io.keystep.challenge;

import io.keystep.challenge.store.ChallengeStore;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class CodeCheckTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    RedisDataSource redis;

    @Inject
    AdjustableClock clock;

    @TestHTTPResource("/")
    URI base;

    @Test
    void wrongCodeLeavesFourAttemptsAndIsPublishedAsRejected() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));

        check(issued, LoginThread.wrong(issued.code())).statusCode(200)
                .body("id", equalTo(issued.challengeId()))
                .body("status", equalTo("pending"))
                .body("remainingAttempts", equalTo(4));

        JsonNode event = verificationEvents(issued, 1).get(0);
        assertThat(event.at("/type").asText(), equalTo("verification.completed"));
        assertThat(event.at("/correlationId").asText(), equalTo(issued.loginId()));
        assertThat(event.at("/payload/outcome").asText(), equalTo("REJECTED"));
        assertThat(event.at("/payload/factor").asText(), equalTo("SMS"));
        assertThat(event.at("/payload/attemptsUsed").asInt(), equalTo(1));
        assertThat(event.at("/payload/loginId").asText(), equalTo(issued.loginId()));
        assertThat(event.at("/payload/userId").asText(), equalTo(issued.userId()));
        assertThat(event.at("/payload/deviceFingerprint").asText(), equalTo("fp-" + issued.userId()));
    }

    @Test
    void rightCodeIsApprovedOnceAndNeverAgain() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));

        check(issued, issued.code()).statusCode(200)
                .body("status", equalTo("approved"))
                .body("remainingAttempts", equalTo(4));
        check(issued, issued.code()).statusCode(409)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("already-used"));

        JsonNode approved = verificationEvents(issued, 1).get(0);
        assertThat(approved.at("/payload/outcome").asText(), equalTo("APPROVED"));
        assertThat(approved.at("/payload/attemptsUsed").asInt(), equalTo(1));
    }

    @Test
    void fifthWrongCodeLocksTheChallengeEvenForTheRightCode() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));
        String wrong = LoginThread.wrong(issued.code());

        for (int remaining = 4; remaining >= 1; remaining--) {
            check(issued, wrong).statusCode(200).body("status", equalTo("pending"))
                    .body("remainingAttempts", equalTo(remaining));
        }
        check(issued, wrong).statusCode(200).body("status", equalTo("max_attempts_reached"))
                .body("remainingAttempts", equalTo(0));
        check(issued, issued.code()).statusCode(200).body("status", equalTo("max_attempts_reached"))
                .body("remainingAttempts", equalTo(0));

        List<JsonNode> events = verificationEvents(issued, 6);
        assertThat(events.get(4).at("/payload/outcome").asText(), equalTo("LOCKED"));
        assertThat(events.get(5).at("/payload/outcome").asText(), equalTo("LOCKED"));
        assertThat(events.get(5).at("/payload/attemptsUsed").asInt(), equalTo(5));
    }

    @Test
    void codeExpiresAfterFiveMinutesOfTheServiceClock() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));

        clock.advance(Duration.ofMinutes(5).plusSeconds(1));

        check(issued, issued.code()).statusCode(200)
                .body("status", equalTo("expired"))
                .body("remainingAttempts", equalTo(5));
        assertThat(verificationEvents(issued, 1).get(0).at("/payload/outcome").asText(), equalTo("EXPIRED"));
    }

    @Test
    void fiftyParallelWrongCodesEvaluateAtMostFive() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));

        List<HttpResponse<String>> answers = parallelChecks(issued, LoginThread.wrong(issued.code()), 50);

        List<String> statuses = new ArrayList<>();
        for (HttpResponse<String> answer : answers) {
            assertThat(answer.body(), answer.statusCode(), equalTo(200));
            statuses.add(mapper.readTree(answer.body()).get("status").asText());
        }
        assertThat(statuses.stream().filter("pending"::equals).count(), equalTo(4L));
        assertThat(statuses.stream().filter("max_attempts_reached"::equals).count(), equalTo(46L));
        String attempts = redis.hash(String.class).hget(ChallengeStore.challengeKey(issued.challengeId()), "attempts");
        assertThat(attempts, equalTo("5"));
        List<JsonNode> events = verificationEvents(issued, 50);
        assertThat(events.stream().mapToInt(e -> e.at("/payload/attemptsUsed").asInt()).boxed().toList(),
                everyItem(lessThanOrEqualTo(5)));
        check(issued, issued.code()).statusCode(200).body("status", equalTo("max_attempts_reached"));
    }

    @Test
    void twentyParallelRightCodesGiveExactlyOneApproval() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));

        List<HttpResponse<String>> answers = parallelChecks(issued, issued.code(), 20);

        long approved = answers.stream().filter(a -> a.statusCode() == 200 && a.body().contains("\"approved\"")).count();
        long alreadyUsed = answers.stream().filter(a -> a.statusCode() == 409).count();
        assertThat(approved, equalTo(1L));
        assertThat(alreadyUsed, equalTo(19L));
        List<JsonNode> approvals = EventLog.records(Topics.VERIFICATION_COMPLETED,
                        r -> r.value().contains(issued.challengeId()) && r.value().contains("APPROVED")).stream()
                .map(r -> r.value()).map(v -> v).toList().stream().map(this::tree).toList();
        assertThat(approvals, hasSize(1));
    }

    @Test
    void unknownOrOtherTenantsVerificationIsNotFound() throws Exception {
        LoginThread.Issued issued = LoginThread.challenge(mapper, LoginThread.unique("t"));

        Callers.gateway("intruder-" + issued.tenantId()).contentType(ContentType.JSON)
                .body("{\"code\":\"" + issued.code() + "\"}")
                .post("/v1/verifications/{id}/check", issued.challengeId())
                .then().statusCode(404).contentType(containsString("application/problem+json"));
        Callers.gateway(issued.tenantId()).contentType(ContentType.JSON)
                .body("{\"code\":\"123456\"}")
                .post("/v1/verifications/{id}/check", "no-such-verification")
                .then().statusCode(404).contentType(containsString("application/problem+json"));
        // The intruder's try spent nothing of the owner's budget.
        check(issued, issued.code()).statusCode(200).body("status", equalTo("approved"))
                .body("remainingAttempts", equalTo(4));
    }

    @Test
    void codeThatIsNotFourToTenDigitsIsRejectedNamingCode() {
        for (String body : List.of("{\"code\":\"12a456\"}", "{\"code\":\"123\"}", "{\"code\":\"12345678901\"}", "{}")) {
            Callers.gateway("t-validation").contentType(ContentType.JSON).body(body)
                    .post("/v1/verifications/{id}/check", "some-id")
                    .then().statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors[0].field", equalTo("code"));
        }
    }

    private ValidatableResponse check(LoginThread.Issued issued, String code) {
        return Callers.gateway(issued.tenantId()).contentType(ContentType.JSON)
                .body("{\"code\":\"" + code + "\"}")
                .post("/v1/verifications/{id}/check", issued.challengeId())
                .then();
    }

    private List<HttpResponse<String>> parallelChecks(LoginThread.Issued issued, String code, int count) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/verifications/" + issued.challengeId() + "/check"))
                .header("Authorization", "Bearer " + Tokens.gateway(issued.tenantId()))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString("{\"code\":\"" + code + "\"}"))
                .build();
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    private List<JsonNode> verificationEvents(LoginThread.Issued issued, int count) {
        return EventLog.await(Topics.VERIFICATION_COMPLETED, count,
                        r -> Topics.key(issued.tenantId(), issued.userId()).equals(r.key())
                                && r.value().contains(issued.challengeId())).stream()
                .map(r -> tree(r.value())).toList();
    }

    private JsonNode tree(String json) {
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
