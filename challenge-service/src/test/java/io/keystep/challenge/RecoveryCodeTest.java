package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
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
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class RecoveryCodeTest {

    @Inject
    AdjustableClock clock;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    /** Argon2id hashes the service computed to check this tenant's recovery codes. */
    private double hashes(String tenant) {
        io.micrometer.core.instrument.Counter counter = registry.find("keystep.factor.recovery.code.hashes")
                .tag("tenant", tenant).counter();
        return counter == null ? 0 : counter.count();
    }

    private static List<String> generate(String tenant, String user) {
        io.restassured.specification.RequestSpecification authorised;
        try {
            authorised = FactorProofs.toAdd(tenant, user);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return authorised.post("/v1/users/{u}/recovery-codes", user)
                .then().statusCode(201).body("remaining", equalTo(10)).extract().path("codes");
    }

    private static ExtractableResponse<Response> redeem(String tenant, String user, String code) {
        return Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + code + "\"}").post("/v1/users/{u}/recovery-codes/redeem", user)
                .then().extract();
    }

    @Test
    void theFirstActivatedFactorComesWithTenDistinctSixtyBitCodesShownOnce() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        ExtractableResponse<Response> enrolled = Authenticators.enroll(tenant, user, "totp", "{}");
        List<String> codes = Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + Authenticators.oathtoolTotp(enrolled.path("otpauthUri"), clock.instant()) + "\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, (String) enrolled.path("factorId"))
                .then().statusCode(200).extract().path("recoveryCodes");
        assertThat(codes, hasSize(10));
        assertThat(new HashSet<>(codes).size(), equalTo(10));
        for (String code : codes) {
            // 12 characters of a 32-letter alphabet: 60 random bits.
            assertThat(code, matchesPattern("[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}"));
        }
        Callers.gateway(tenant).get("/v1/users/{u}/recovery-codes", user)
                .then().statusCode(200).body("remaining", equalTo(10)).body("codes", nullValue());

        // A second factor does not show (or replace) them again.
        ExtractableResponse<Response> second = Authenticators.enroll(tenant, user, "totp", "{}");
        Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + Authenticators.oathtoolTotp(second.path("otpauthUri"), clock.instant()) + "\"}")
                .post("/v1/users/{u}/factors/{f}/activate", user, (String) second.path("factorId"))
                .then().statusCode(200).body("recoveryCodes", nullValue());
        assertThat(redeem(tenant, user, codes.get(3).toUpperCase()).statusCode(), equalTo(200));
    }

    @Test
    void twoParallelUsesOfOneCodeGiveExactlyOneSuccessAndTheUseIsPublishedWithoutTheCode() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = generate(tenant, user);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<Integer>> uses = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                uses.add(() -> redeem(tenant, user, codes.get(0)).statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(uses)) {
                statuses.add(f.get());
            }
            // The other one finds the code used (422), or the user's check under way (429): never a second use.
            assertThat(statuses.stream().filter(s -> s == 200).count(), equalTo(1L));
            assertThat(statuses.stream().filter(s -> s == 422 || s == 429).count(), equalTo(1L));
        } finally {
            pool.shutdownNow();
        }
        Callers.gateway(tenant).get("/v1/users/{u}/recovery-codes", user)
                .then().statusCode(200).body("remaining", equalTo(9));
        String used = EventLog.await(Topics.FACTOR_CHANGED, 1, r -> (tenant + ":" + user).equals(r.key())
                && r.value().contains("\"RECOVERY_CODE_USED\"")).get(0).value();
        assertThat(used, containsString("9 remaining"));
        for (String code : codes) {
            assertThat(used, not(containsString(code)));
            assertThat(used, not(containsString(code.replace("-", ""))));
        }
    }

    @Test
    void regeneratingInvalidatesTheOldSet() {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> old = generate(tenant, user);
        // Replacing the set is a factor change, stepped up with a code of the set the user holds.
        String stepUp = FactorCalls.recoveryVerification(tenant, user, "factor_change").statusCode(201)
                .extract().path("id");
        FactorCalls.check(tenant, stepUp, old.get(0)).statusCode(200).body("status", equalTo("approved"));
        List<String> fresh = Callers.gateway(tenant).header("Step-Up-Verification-Id", stepUp)
                .post("/v1/users/{u}/recovery-codes", user).then().statusCode(201).extract().path("codes");
        redeem(tenant, user, old.get(1)).response().then().statusCode(422)
                .contentType(containsString("application/problem+json"));
        redeem(tenant, user, fresh.get(1)).response().then().statusCode(200).body("remaining", equalTo(9));
        Callers.gateway("other-" + tenant).contentType(ContentType.JSON)
                .body("{\"code\":\"" + fresh.get(2) + "\"}").post("/v1/users/{u}/recovery-codes/redeem", user)
                .then().statusCode(422);
        redeem(tenant, user, "not a code!").response().then().statusCode(400).body("errors[0].field", equalTo("code"));
        Callers.gateway(tenant).post("/v1/users/{u}/recovery-codes", user).then().statusCode(403)
                .body("type", containsString("step-up-required"));
    }

    @Test
    void tenWrongRecoveryCodesStopFurtherGuessesUnevaluated() {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = generate(tenant, user);
        for (int i = 0; i < 10; i++) {
            redeem(tenant, user, "aaaa-aaaa-aaa" + "bcdefghijk".charAt(i)).response().then().statusCode(422);
        }
        // Even the right code is refused now: nothing is compared until the window ends.
        redeem(tenant, user, codes.get(0)).response().then().statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .contentType(containsString("application/problem+json"));
    }

    @Test
    void aBurstOfWrongCodesCostsAtMostOneHashEachAndNoMoreThanTheUsersAttempts() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = generate(tenant, user);
        // One wrong code, ten unused codes: one hash, not one per stored code.
        redeem(tenant, user, "aaaa-aaaa-aaaa").response().then().statusCode(422);
        assertThat(hashes(tenant), equalTo(1.0));

        int burst = 40;
        List<ExtractableResponse<Response>> answers = atOnce(burst, i -> redeem(tenant, user, wrongCode(i)));
        long evaluated = answers.stream().filter(a -> a.statusCode() == 422).count();
        List<ExtractableResponse<Response>> refused = answers.stream().filter(a -> a.statusCode() == 429).toList();
        assertThat(evaluated + refused.size(), equalTo((long) burst));
        // Each evaluated guess cost exactly one hash; at most the nine attempts the window had left were evaluated.
        assertThat(hashes(tenant), equalTo(1.0 + evaluated));
        assertThat(evaluated <= 9, equalTo(true));
        for (ExtractableResponse<Response> r : refused) {
            assertThat(r.contentType(), containsString("application/problem+json"));
            assertThat(r.header("Retry-After"), org.hamcrest.Matchers.notNullValue());
        }
        // After the window, the right code works, for one more hash.
        clock.advance(java.time.Duration.ofMinutes(15).plusSeconds(1));
        redeem(tenant, user, codes.get(4)).response().then().statusCode(200).body("remaining", equalTo(9));
        assertThat(hashes(tenant), equalTo(2.0 + evaluated));
    }

    @Test
    void aBurstOfChecksOnRecoveryCodeVerificationsIsRefusedBeforeItIsHashed() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = generate(tenant, user);
        List<String> ids = new ArrayList<>();
        for (String purpose : List.of("login", "signup", "recovery")) {
            String body = "{\"channel\":\"recovery_code\",\"userId\":\"" + user + "\",\"purpose\":\"" + purpose
                    + "\"}";
            ids.add(Callers.gateway(tenant).contentType(ContentType.JSON).body(body).post("/v1/verifications")
                    .then().statusCode(201).extract().path("id"));
        }
        int burst = 40;
        List<ExtractableResponse<Response>> answers = atOnce(burst, i -> Callers.gateway(tenant)
                .contentType(ContentType.JSON).body("{\"code\":\"" + wrongCode(i) + "\"}")
                .post("/v1/verifications/{id}/check", ids.get(i % ids.size())).then().extract());
        long answered = answers.stream().filter(a -> a.statusCode() == 200).count();
        long refused = answers.stream().filter(a -> a.statusCode() == 429).count();
        assertThat(answered + refused, equalTo((long) burst));
        // No more hashes than the user's attempts per window (one each), whatever the verifications' budgets; the
        // rest were refused (429 problem+json) or found nothing left to judge.
        assertThat(hashes(tenant) >= 1, equalTo(true));
        assertThat(hashes(tenant) <= 10, equalTo(true));
        assertThat(refused > 0, equalTo(true));
        clock.advance(java.time.Duration.ofMinutes(16));
        String id = Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"channel\":\"recovery_code\","
                + "\"userId\":\"" + user + "\",\"purpose\":\"factor_change\"}").post("/v1/verifications")
                .then().statusCode(201).extract().path("id");
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"code\":\"" + codes.get(7) + "\"}")
                .post("/v1/verifications/{id}/check", id).then().statusCode(200).body("status", equalTo("approved"));
    }

    /** A well-formed recovery code that is none of the user's, different for each {@code i} below 1024. */
    private static String wrongCode(int i) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        return "bbbb-cccc-dd" + alphabet.charAt(i % 32) + alphabet.charAt(i / 32);
    }

    /** {@code n} calls released at the same instant, each on its own thread; their answers in order. */
    private static List<ExtractableResponse<Response>> atOnce(int n,
            java.util.function.IntFunction<ExtractableResponse<Response>> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<Future<ExtractableResponse<Response>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.apply(index);
                }));
            }
            start.countDown();
            List<ExtractableResponse<Response>> answers = new ArrayList<>();
            for (Future<ExtractableResponse<Response>> f : futures) {
                answers.add(f.get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
