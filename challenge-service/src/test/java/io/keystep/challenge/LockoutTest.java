package io.keystep.challenge;

import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class LockoutTest {

    private static final List<String> PURPOSES = List.of("login", "signup", "recovery", "factor_change");

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    private int sent;

    /** A fresh verification for the user (another purpose each time, so that none inherits spent attempts). */
    private String[] verification(String tenant, String user) throws Exception {
        String purpose = PURPOSES.get(sent % PURPOSES.size());
        String ip = "198.51.100." + (sent % 250);
        sent++;
        String id = VerifyApi.create(tenant, "{\"to\":\"" + VerifyApi.phone() + "\",\"channel\":\"sms\",\"userId\":\""
                + user + "\",\"purpose\":\"" + purpose + "\"}", ip).statusCode(201).extract().path("id");
        return new String[]{id, VerifyApi.code(mapper, tenant, id, 1)};
    }

    private ExtractableResponse<Response> fiveWrong(String tenant, String[] v) {
        ExtractableResponse<Response> last = null;
        for (int i = 0; i < 5; i++) {
            last = VerifyApi.check(tenant, v[0], LoginThread.wrong(v[1]), true).statusCode(200).extract();
        }
        return last;
    }

    @Test
    void tenFailedChecksLockTheUserWithEscalatingWaits() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");

        ExtractableResponse<Response> ninth = null;
        String[] first = verification(tenant, user);
        fiveWrong(tenant, first);
        String[] second = verification(tenant, user);
        for (int i = 0; i < 4; i++) {
            ninth = VerifyApi.check(tenant, second[0], LoginThread.wrong(second[1]), true).statusCode(200).extract();
        }
        assertThat(ninth.path("locked_until"), nullValue());
        // Sent before the lockout: a locked user gets no new code at all.
        String[] third = verification(tenant, user);
        Instant before = clock.instant();
        String lockedUntil = VerifyApi.check(tenant, second[0], LoginThread.wrong(second[1]), true).statusCode(200)
                .body("status", equalTo("max_attempts_reached"))
                .body("locked_until", notNullValue())
                .extract().path("locked_until");
        Duration firstWait = Duration.between(before, Instant.parse(lockedUntil));
        assertThat(firstWait.toSeconds() >= 29 && firstWait.toSeconds() <= 31, equalTo(true));

        // Locked: even the right code of a live verification is not compared, and no attempt is spent.
        VerifyApi.check(tenant, third[0], third[1], true).statusCode(429)
                .contentType(containsString("application/problem+json"))
                .header("Retry-After", notNullValue())
                .body("locked_until", equalTo(lockedUntil));
        EventLog.await(Topics.VERIFICATION_COMPLETED, 1,
                r -> r.value().contains(third[0]) && r.value().contains("\"LOCKED\""));
        // The lockout's start and the refused check are both in the trail, with the lockout's end.
        String epochLock = mapper.readTree("\"" + lockedUntil + "\"").asText();
        var starts = EventLog.await(Topics.VERIFICATION_LIMITED, 1, r -> r.value().contains(second[0]));
        assertThat(starts.get(0).key(), equalTo(tenant + ":" + user));
        assertThat(starts.get(0).value(), containsString("\"USER_LOCKOUT\""));
        assertThat(Instant.parse(mapper.readTree(starts.get(0).value()).at("/payload/lockedUntil").asText()),
                equalTo(Instant.parse(epochLock)));
        EventLog.await(Topics.VERIFICATION_LIMITED, 1,
                r -> r.value().contains(third[0]) && r.value().contains("\"USER_LOCKOUT\""));

        clock.advance(Duration.ofSeconds(31));
        fiveWrong(tenant, third);
        String[] fourth = verification(tenant, user);
        Instant beforeSecond = clock.instant();
        String secondLock = fiveWrong(tenant, fourth).path("locked_until");
        Duration secondWait = Duration.between(beforeSecond, Instant.parse(secondLock));
        assertThat(secondWait.toSeconds() >= 59 && secondWait.toSeconds() <= 61, equalTo(true));
    }

    @Test
    void lockedOutUserGetsNoNewCodeUntilTheLockoutEnds() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        fiveWrong(tenant, verification(tenant, user));
        String[] pending = verification(tenant, user);
        String[] second = verification(tenant, user);
        String lockedUntil = fiveWrong(tenant, second).path("locked_until");
        assertThat(lockedUntil, notNullValue());

        String phone = VerifyApi.phone();
        String body = "{\"to\":\"" + phone + "\",\"channel\":\"sms\",\"userId\":\"" + user
                + "\",\"purpose\":\"transaction\",\"amount\":\"1.00 EUR\",\"payee\":\"ACME\"}";
        VerifyApi.create(tenant, body, "198.51.100.252").statusCode(429)
                .contentType(containsString("application/problem+json"))
                .header("Retry-After", notNullValue())
                .body("type", containsString("locked-out"))
                .body("locked_until", equalTo(lockedUntil));
        // A resend of a verification sent before the lockout is refused the same way.
        Callers.gateway(tenant).header("X-Forwarded-For", "198.51.100.253")
                .contentType("application/json").body("{}")
                .post("/v1/verifications/{id}/resend", pending[0]).then().statusCode(429)
                .body("locked_until", equalTo(lockedUntil));
        // Both refusals are in the trail; no code went to the new destination.
        var refused = EventLog.await(Topics.VERIFICATION_LIMITED, 2, r -> (tenant + ":" + user).equals(r.key())
                && r.value().contains("\"USER_LOCKOUT\"") && !r.value().contains(second[0]));
        assertThat(refused.stream().anyMatch(r -> r.value().contains(pending[0])), equalTo(true));
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, r -> (tenant + ":" + user).equals(r.key())).size(),
                equalTo(3));

        clock.advance(Duration.between(clock.instant(), Instant.parse(lockedUntil)).plusSeconds(1));
        VerifyApi.create(tenant, body, "198.51.100.252").statusCode(201);
    }

    @Test
    void approvalAfterTheLockoutEndsClearsTheFailures() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        fiveWrong(tenant, verification(tenant, user));
        String[] second = verification(tenant, user);
        for (int i = 0; i < 4; i++) {
            VerifyApi.check(tenant, second[0], LoginThread.wrong(second[1]), true).statusCode(200);
        }
        VerifyApi.check(tenant, second[0], second[1], true).statusCode(200).body("status", equalTo("approved"));
        // Nine failures, then a success: the next failure starts a new count instead of locking.
        String[] third = verification(tenant, user);
        VerifyApi.check(tenant, third[0], LoginThread.wrong(third[1]), true).statusCode(200)
                .body("status", equalTo("pending")).body("locked_until", nullValue());
    }

    @Test
    void hundredConsecutiveFailuresSuspendTheFactor() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] next = null;
        for (int round = 0; round < 10; round++) {
            if (round == 9) {
                // Sent before the suspension, checked after it.
                next = verification(tenant, user);
            }
            fiveWrong(tenant, verification(tenant, user));
            String lockedUntil = fiveWrong(tenant, verification(tenant, user)).path("locked_until");
            assertThat(lockedUntil, notNullValue());
            if (round == 9) {
                break;
            }
            // Past the lockout and past the codes' expiry: a new verification inherits a live one's spent attempts.
            Duration untilUnlocked = Duration.between(clock.instant(), Instant.parse(lockedUntil)).plusSeconds(1);
            Duration pastExpiry = Duration.ofMinutes(5).plusSeconds(1);
            clock.advance(untilUnlocked.compareTo(pastExpiry) > 0 ? untilUnlocked : pastExpiry);
        }
        VerifyApi.check(tenant, next[0], next[1], true).statusCode(403)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("factor-suspended"));
        // A suspended factor gets no new code either, long after any lockout would have ended.
        clock.advance(Duration.ofHours(2));
        String phone = VerifyApi.phone();
        VerifyApi.create(tenant, "{\"to\":\"" + phone + "\",\"channel\":\"sms\",\"userId\":\"" + user
                        + "\",\"purpose\":\"login\"}", "198.51.100.251").statusCode(403)
                .contentType(containsString("application/problem+json"))
                .body("type", containsString("factor-suspended"));
        // The suspension itself (at the hundredth failure), the refused check and the refused send are events.
        EventLog.await(Topics.VERIFICATION_LIMITED, 3,
                r -> (tenant + ":" + user).equals(r.key()) && r.value().contains("\"FACTOR_SUSPENDED\""));
        EventLog.await(Topics.FACTOR_CHANGED, 1,
                r -> (tenant + ":" + user).equals(r.key()) && r.value().contains("\"SUSPENDED\""));
    }
}
