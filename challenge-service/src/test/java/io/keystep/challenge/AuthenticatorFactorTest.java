package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.factors.AuthenticatorFactors;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class AuthenticatorFactorTest {

    @Inject
    AdjustableClock clock;

    @Inject
    ObjectMapper mapper;

    @Inject
    AuthenticatorFactors factors;

    /** Enrolls and activates a TOTP factor; answers {factorId, otpauthUri}. */
    private String[] activeTotp(String tenant, String user, String body) throws Exception {
        ExtractableResponse<Response> enrolled = Authenticators.enroll(tenant, user, "totp", body);
        String factorId = enrolled.path("factorId");
        String uri = enrolled.path("otpauthUri");
        String code = Authenticators.oathtoolTotp(uri, clock.instant());
        Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + code + "\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, factorId)
                .then().statusCode(200).body("status", equalTo("active"));
        return new String[]{factorId, uri, code};
    }

    private static String totpVerification(String tenant, String user, String purpose) {
        return VerifyApi.create(tenant, "{\"channel\":\"totp\",\"userId\":\"" + user + "\",\"purpose\":\""
                + purpose + "\"}").statusCode(201).body("channel", equalTo("totp")).extract().path("id");
    }

    @Test
    void enrollmentGivesAnOtpauthUriAndAQrCodeThatAnIndependentReaderDecodesToTheSameUri() throws Exception {
        String tenant = LoginThread.unique("t");
        ExtractableResponse<Response> enrolled = Authenticators.enroll(tenant, "ada", "totp",
                "{\"label\":\"Ada phone\",\"algorithm\":\"SHA256\",\"digits\":8}");
        String uri = enrolled.path("otpauthUri");
        assertThat(uri, startsWith("otpauth://totp/Keystep:Ada%20phone?secret="));
        assertThat(Authenticators.query(uri).get("algorithm"), equalTo("SHA256"));
        assertThat(Authenticators.query(uri).get("period"), equalTo("30"));
        // 256-bit secret for SHA-256.
        assertThat(io.keystep.challenge.factors.OneTimePasswords.fromBase32(Authenticators.query(uri).get("secret")).length,
                equalTo(32));
        assertThat(Authenticators.zbarimg(Authenticators.base64(enrolled.path("qrCode"))), equalTo(uri));

        byte[] png = Callers.gateway(tenant).get("/v1/users/ada/factors/{f}/qr.png",
                (String) enrolled.path("factorId")).then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        assertThat(Authenticators.zbarimg(png), equalTo(uri));
        Callers.gateway("other-" + tenant).get("/v1/users/ada/factors/{f}/qr.png",
                (String) enrolled.path("factorId")).then().statusCode(404);
        EventLog.await(Topics.FACTOR_CHANGED, 1, r -> r.value().contains((String) enrolled.path("factorId"))
                && r.value().contains("\"ENROLLED\""));
    }

    @Test
    void oathtoolCodesActivateAndAnswerATotpVerificationAndAStepIsNeverAcceptedTwice() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] factor = activeTotp(tenant, user, "{\"algorithm\":\"SHA512\",\"digits\":8}");
        String activationCode = factor[2];

        // The activation's step is used up: the same code does not answer a verification.
        String first = totpVerification(tenant, user, "login");
        VerifyApi.check(tenant, first, activationCode, true).statusCode(200).body("status", equalTo("pending"))
                .body("remainingAttempts", equalTo(4));

        clock.advance(Duration.ofSeconds(30));
        String next = Authenticators.oathtoolTotp(factor[1], clock.instant());
        VerifyApi.check(tenant, first, next, true).statusCode(200).body("status", equalTo("approved"));
        JsonNode completed = mapper.readTree(EventLog.await(Topics.VERIFICATION_COMPLETED, 2,
                r -> r.value().contains(first)).get(1).value());
        assertThat(completed.at("/payload/factor").asText(), equalTo("TOTP"));
        assertThat(completed.at("/payload/outcome").asText(), equalTo("APPROVED"));

        String second = totpVerification(tenant, user, "login");
        VerifyApi.check(tenant, second, next, true).statusCode(200).body("status", equalTo("pending"));
        Callers.gateway(tenant).get("/v1/verifications/{id}", second).then().statusCode(200)
                .body("channel", equalTo("totp")).body("sendAttempts", equalTo(0)).body("remainingAttempts", equalTo(4));
        // Nothing was sent for an authenticator verification.
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, r -> r.value().contains(first)), hasSize(0));
    }

    @Test
    void aCodeFromTheStepBeforeIsAcceptedAndItsDriftRecorded() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] factor = activeTotp(tenant, user, "{}");
        clock.advance(Duration.ofSeconds(90));
        // A step boundary passing between computing the code and checking it would make "the step before" two steps
        // old: the test starts at the beginning of a step.
        clock.toStartOfNextStep(Duration.ofSeconds(30));
        String id = totpVerification(tenant, user, "signup");
        String late = Authenticators.oathtoolTotp(factor[1], clock.instant().minusSeconds(30));
        String tooLate = Authenticators.oathtoolTotp(factor[1], clock.instant().minusSeconds(90));
        if (!tooLate.equals(late)) {
            VerifyApi.check(tenant, id, tooLate, true).statusCode(200).body("status", equalTo("pending"));
        }
        VerifyApi.check(tenant, id, late, true).statusCode(200).body("status", equalTo("approved"));
        Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .body("[0].type", equalTo("totp"))
                .body("[0].driftSteps", org.hamcrest.Matchers.anyOf(equalTo(-1), equalTo(0)))
                .body("[0]", not(org.hamcrest.Matchers.hasKey("secret")));
    }

    @Test
    void twentyConcurrentUsesOfOneCodeGiveExactlyOneSuccess() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] factor = activeTotp(tenant, user, "{}");
        clock.advance(Duration.ofSeconds(30));
        String code = Authenticators.oathtoolTotp(factor[1], clock.instant());
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Callable<AuthenticatorFactors.Result>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(() -> {
                    try {
                        return await(() -> factors.verify(tenant, user, UUID.fromString(factor[0]), code));
                    } catch (Throwable e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            int accepted = 0;
            for (Future<AuthenticatorFactors.Result> f : pool.invokeAll(calls)) {
                if (f.get() == AuthenticatorFactors.Result.ACCEPTED) {
                    accepted++;
                }
            }
            assertThat(accepted, equalTo(1));
        } finally {
            pool.shutdownNow();
        }

        // Over the API too: the same next code checked against four verifications at once approves one.
        clock.advance(Duration.ofSeconds(30));
        String nextCode = Authenticators.oathtoolTotp(factor[1], clock.instant());
        List<String> ids = List.of(totpVerification(tenant, user, "login"), totpVerification(tenant, user, "signup"),
                totpVerification(tenant, user, "recovery"), totpVerification(tenant, user, "factor_change"));
        ExecutorService http = Executors.newFixedThreadPool(4);
        try {
            List<Callable<String>> checks = new ArrayList<>();
            for (String id : ids) {
                checks.add(() -> VerifyApi.check(tenant, id, nextCode, true).statusCode(200).extract().path("status"));
            }
            List<String> statuses = new ArrayList<>();
            for (Future<String> f : http.invokeAll(checks)) {
                statuses.add(f.get());
            }
            assertThat(statuses.stream().filter("approved"::equals).count(), equalTo(1L));
        } finally {
            http.shutdownNow();
        }
    }

    @Test
    void aTotpVerificationNeedsAnActiveFactorAndNoDestination() throws Exception {
        String tenant = LoginThread.unique("t");
        VerifyApi.create(tenant, "{\"channel\":\"totp\",\"userId\":\"nobody\"}").statusCode(422)
                .contentType(containsString("application/problem+json")).body("type", containsString("no-factor"));
        VerifyApi.create(tenant, "{\"channel\":\"totp\"}").statusCode(400).body("errors[0].field", equalTo("userId"));
        String user = LoginThread.unique("u");
        ExtractableResponse<Response> pending = Authenticators.enroll(tenant, user, "totp", "{}");
        VerifyApi.create(tenant, "{\"channel\":\"totp\",\"userId\":\"" + user + "\"}").statusCode(422);
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"code\":\"000000\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, (String) pending.path("factorId"))
                .then().statusCode(422).body("type", containsString("invalid-code"));
        FactorProofs.toAdd(tenant, user).contentType(ContentType.JSON).body("{\"digits\":7}")
                .post("/v1/users/{u}/factors/totp", user).then().statusCode(400)
                .body("errors[0].field", equalTo("digits"));
        FactorProofs.toAdd(tenant, user).contentType(ContentType.JSON).body("{\"algorithm\":\"MD5\",\"digits\":7,\"period\":5,\"label\":\"a:b\"}")
                .post("/v1/users/{u}/factors/totp", user).then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("algorithm", "digits", "period", "label"));
    }

    @Test
    void hotpAcceptsCodesWithinTheLookAheadWindowAndResynchronisesFromTwoConsecutiveCodes() throws Throwable {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        ExtractableResponse<Response> enrolled = Authenticators.enroll(tenant, user, "hotp", "{}");
        String uri = enrolled.path("otpauthUri");
        String factorId = enrolled.path("factorId");
        assertThat(uri, containsString("counter=0"));
        Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + Authenticators.oathtoolHotp(uri, 0) + "\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, factorId).then().statusCode(200);
        UUID id = UUID.fromString(factorId);
        // Counter 5 is within the look-ahead of 10 past counter 1; counter 5 again and counter 3 are spent.
        assertThat(await(() -> factors.verify(tenant, user, id, hotp(uri, 5))),
                equalTo(AuthenticatorFactors.Result.ACCEPTED));
        assertThat(await(() -> factors.verify(tenant, user, id, hotp(uri, 5))),
                equalTo(AuthenticatorFactors.Result.REJECTED));
        assertThat(await(() -> factors.verify(tenant, user, id, hotp(uri, 3))),
                equalTo(AuthenticatorFactors.Result.REJECTED));
        // Counter 30 is beyond the window: rejected alone, resynchronised with counter 31.
        assertThat(await(() -> factors.verify(tenant, user, id, hotp(uri, 30))),
                equalTo(AuthenticatorFactors.Result.REJECTED));
        Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"firstCode\":\"" + Authenticators.oathtoolHotp(uri, 30) + "\",\"secondCode\":\""
                        + Authenticators.oathtoolHotp(uri, 31) + "\"}")
                .post("/v1/users/{u}/factors/{f}/resync", user, factorId).then().statusCode(200);
        assertThat(await(() -> factors.verify(tenant, user, id, hotp(uri, 32))),
                equalTo(AuthenticatorFactors.Result.ACCEPTED));
    }

    private static String hotp(String uri, long counter) {
        try {
            return Authenticators.oathtoolHotp(uri, counter);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static AuthenticatorFactors.Result await(java.util.function.Supplier<Uni<AuthenticatorFactors.Result>> uni)
            throws Throwable {
        return io.quarkus.vertx.VertxContextSupport.subscribeAndAwait(uni);
    }
}
