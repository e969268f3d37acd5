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
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * The login asks for the user's own factor: an authenticator-only user is challenged on the authenticator, a user's
 * other factors are named as alternatives, and a gateway can switch the challenge to one of them without buying a
 * guess.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class LoginFactorTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    /** A user with an active TOTP factor only; answers {factorId, otpauthUri}. */
    private String[] totpOnlyUser(String tenant, String user) throws Exception {
        String[] factor = new String[2];
        FactorCalls.activeTotp(tenant, user, factor);
        return factor;
    }

    private JsonNode challenged(String tenant, String user, String login) throws Exception {
        LoginThread.publishRisk(mapper, tenant, user, login, Decision.CHALLENGE, List.of("NEW_DEVICE"));
        return LoginThread.awaitPayload(mapper, Topics.LOGIN_DECISION, tenant, user, login).get("payload");
    }

    private static ValidatableResponse switchTo(String tenant, String login, String factor) {
        return Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"factor\":\"" + factor + "\"}")
                .post("/v1/logins/{l}/switch", login).then();
    }

    /**
     * Makes the user's enrolled phone the preferred factor again (activating an authenticator preferred it), and moves
     * past the cooldown of the step-up SMS that allowed the authenticator, so that the login's SMS goes out.
     */
    private static void preferPhone(String tenant, String user) {
        String phoneId = Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then().statusCode(200)
                .extract().path("find { it.type == 'sms' }.factorId");
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"preferred\":true}")
                .patch("/v1/users/{u}/factors/{f}", user, phoneId).then().statusCode(200);
        FactorProofs.pastCooldown();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return out;
    }

    /** A TOTP code for the next time step (a step is accepted once, and activation used the current one). */
    private String nextTotp(String otpauthUri) throws Exception {
        clock.advance(Duration.ofSeconds(31));
        return Authenticators.oathtoolTotp(otpauthUri, clock.instant());
    }

    @Test
    void anAuthenticatorOnlyUserIsChallengedOnTheAuthenticatorAndApprovedWithItsCode() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String[] totp = totpOnlyUser(tenant, user);
        String login = LoginThread.unique("login");

        JsonNode decision = challenged(tenant, user, login);
        assertThat(decision.get("decision").asText(), equalTo("CHALLENGE"));
        assertThat(decision.get("factor").asText(), equalTo("TOTP"));
        assertThat(decision.get("hint").isNull(), equalTo(true));
        String challengeId = decision.get("challengeId").asText();
        Callers.gateway(tenant).get("/v1/logins/{l}", login).then().statusCode(200)
                .body("factor", equalTo("totp")).body("challengeId", equalTo(challengeId))
                .body("hint", nullValue());

        VerifyApi.check(tenant, challengeId, nextTotp(totp[1]), true).statusCode(200)
                .body("status", equalTo("approved"));
        String completed = EventLog.await(Topics.VERIFICATION_COMPLETED, 1,
                r -> r.value().contains(challengeId) && r.value().contains("\"APPROVED\"")).get(0).value();
        assertThat(completed, containsString("\"factor\":\"TOTP\""));
        assertThat(completed, containsString("\"loginId\":\"" + login + "\""));
        // Nothing was sent for it.
        assertThat(EventLog.records(Topics.CHALLENGE_ISSUED, Topics.key(tenant, user)).stream()
                .filter(r -> r.value().contains(login)).toList(), empty());
    }

    @Test
    void theDecisionNamesTheChosenFactorAndTheOthersWithoutANumber() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550142");
        // The first authenticator comes with recovery codes, and is preferred until the phone is again.
        totpOnlyUser(tenant, user);
        preferPhone(tenant, user);
        String login = LoginThread.unique("login");

        JsonNode decision = challenged(tenant, user, login);
        // The tenant's phone chain starts with SMS.
        assertThat(decision.get("factor").asText(), equalTo("SMS"));
        List<String> alternatives = texts(decision.get("alternatives"));
        assertThat(alternatives, contains("WHATSAPP", "VOICE", "TOTP", "RECOVERY_CODE"));
        assertThat(decision.toString(), not(containsString("5555550142")));
        assertThat(decision.get("hint").asText(), containsString("42"));
        JsonNode job = LoginThread.awaitPayload(mapper, Topics.CHALLENGE_ISSUED, tenant, user, login);
        assertThat(texts(job.at("/payload/channelPlan")), contains("SMS", "WHATSAPP", "VOICE"));
        Callers.gateway(tenant).get("/v1/logins/{l}", login).then().statusCode(200).body("factor", equalTo("sms"))
                .body("alternatives", contains("whatsapp", "voice", "totp", "recovery_code"));
    }

    @Test
    void aPreferredAuthenticatorIsAskedForBeforeThePhone() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550143");
        String[] totp = totpOnlyUser(tenant, user);
        preferPhone(tenant, user);
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"preferred\":true}")
                .patch("/v1/users/{u}/factors/{f}", user, totp[0]).then().statusCode(200);

        JsonNode decision = challenged(tenant, user, LoginThread.unique("login"));
        assertThat(decision.get("factor").asText(), equalTo("TOTP"));
        List<String> alternatives = texts(decision.get("alternatives"));
        assertThat(alternatives, contains("SMS", "WHATSAPP", "VOICE", "RECOVERY_CODE"));
    }

    @Test
    void aSwitchFromSmsToTheAuthenticatorKeepsTheSpentAttempts() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550144");
        String[] totp = totpOnlyUser(tenant, user);
        preferPhone(tenant, user);
        String login = LoginThread.unique("login");
        JsonNode decision = challenged(tenant, user, login);
        String smsChallenge = decision.get("challengeId").asText();
        String code = VerifyApi.code(mapper, tenant, smsChallenge, 1);
        VerifyApi.check(tenant, smsChallenge, LoginThread.wrong(code), true).statusCode(200)
                .body("remainingAttempts", equalTo(4));
        VerifyApi.check(tenant, smsChallenge, LoginThread.wrong(code), true).statusCode(200)
                .body("remainingAttempts", equalTo(3));

        String switched = switchTo(tenant, login, "totp").statusCode(200).body("factor", equalTo("totp"))
                .body("reasons[0]", equalTo("FACTOR_SWITCHED")).body("alternatives", hasItem("sms"))
                .extract().path("challengeId");
        assertThat(switched, not(equalTo(smsChallenge)));
        Callers.gateway(tenant).get("/v1/verifications/{id}", switched).then().statusCode(200)
                .body("remainingAttempts", equalTo(3)).body("channel", equalTo("totp"));
        // The SMS code no longer works; its challenge is canceled, in the trail too.
        VerifyApi.check(tenant, smsChallenge, code, true).statusCode(200).body("status", equalTo("canceled"));
        EventLog.await(Topics.VERIFICATION_COMPLETED, 1,
                r -> r.value().contains(smsChallenge) && r.value().contains("\"CANCELED\""));
        JsonNode republished = mapper.readTree(EventLog.await(Topics.LOGIN_DECISION, 1,
                r -> r.value().contains(switched)).get(0).value()).get("payload");
        assertThat(republished.get("factor").asText(), equalTo("TOTP"));
        assertThat(republished.get("reasons").get(0).asText(), equalTo("FACTOR_SWITCHED"));
        Callers.gateway(tenant).get("/v1/logins/{l}", login).then().body("challengeId", equalTo(switched));

        VerifyApi.check(tenant, switched, "000000", true).statusCode(200).body("remainingAttempts", equalTo(2));
        VerifyApi.check(tenant, switched, nextTotp(totp[1]), true).statusCode(200)
                .body("status", equalTo("approved"));
    }

    @Test
    void aSwitchBackToThePhoneSendsAFreshCodeUnderTheSendLimits() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550145");
        totpOnlyUser(tenant, user);
        preferPhone(tenant, user);
        String login = LoginThread.unique("login");
        String first = challenged(tenant, user, login).get("challengeId").asText();
        switchTo(tenant, login, "totp").statusCode(200);
        // Still inside the number's cooldown: refused as a resend would be, nothing sent.
        switchTo(tenant, login, "sms").statusCode(429).body("type", containsString("send-limited"));
        FactorProofs.pastCooldown();
        String again = switchTo(tenant, login, "sms").statusCode(200).body("factor", equalTo("sms"))
                .body("hint", containsString("45")).extract().path("challengeId");
        String code = VerifyApi.code(mapper, tenant, again, 1);
        assertThat(again, not(equalTo(first)));
        VerifyApi.check(tenant, again, code, true).statusCode(200).body("status", equalTo("approved"));
        // An approved login is no longer switchable.
        switchTo(tenant, login, "totp").statusCode(409).body("type", containsString("not-switchable"));
    }

    @Test
    void aRecoveryCodeAnswersALoginChallenge() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550146");
        List<String> codes = FactorCalls.generateRecoveryCodes(tenant, user);
        // The step-up that allowed the codes sent an SMS: the login's code comes after the number's cooldown.
        FactorProofs.pastCooldown();
        String login = LoginThread.unique("login");
        JsonNode decision = challenged(tenant, user, login);
        assertThat(decision.get("factor").asText(), equalTo("SMS"));
        List<String> alternatives = texts(decision.get("alternatives"));
        assertThat(alternatives, hasItem("RECOVERY_CODE"));

        String switched = switchTo(tenant, login, "recovery_code").statusCode(200)
                .body("factor", equalTo("recovery_code")).body("hint", nullValue()).extract().path("challengeId");
        VerifyApi.check(tenant, switched, codes.get(0), true).statusCode(200).body("status", equalTo("approved"))
                .body("recoveryCodesRemaining", equalTo(9));
    }

    @Test
    void aSwitchToAFactorTheUserLacksIsRefusedNamingTheField() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550147");
        String login = LoginThread.unique("login");
        challenged(tenant, user, login);
        switchTo(tenant, login, "totp").statusCode(400).contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("factor"));
        switchTo(tenant, login, "carrier-pigeon").statusCode(400).body("errors[0].field", equalTo("factor"));
        switchTo(tenant, login, "sms").statusCode(400).body("errors[0].field", equalTo("factor"))
                .body("errors[0].message", containsString("resend"));
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{}").post("/v1/logins/{l}/switch", login)
                .then().statusCode(400).body("errors[0].field", equalTo("factor"));
    }

    @Test
    void anotherTenantCannotReadOrSwitchTheLogin() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        LoginThread.enrollPhone(tenant, user, "+15555550148");
        totpOnlyUser(tenant, user);
        preferPhone(tenant, user);
        String login = LoginThread.unique("login");
        challenged(tenant, user, login);
        String other = LoginThread.unique("t");
        Callers.gateway(other).get("/v1/logins/{l}", login).then().statusCode(404);
        switchTo(other, login, "totp").statusCode(404);
        Callers.worker(tenant).contentType(ContentType.JSON).body("{\"factor\":\"totp\"}")
                .post("/v1/logins/{l}/switch", login).then().statusCode(403);
        Callers.gateway(tenant).get("/v1/logins/{l}", login).then().body("factor", equalTo("sms"));
    }

    @Test
    void aLoginAllowsFiveSwitches() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        totpOnlyUser(tenant, user);
        String login = LoginThread.unique("login");
        challenged(tenant, user, login);
        for (int i = 0; i < 5; i++) {
            switchTo(tenant, login, i % 2 == 0 ? "recovery_code" : "totp").statusCode(200);
        }
        switchTo(tenant, login, "totp").statusCode(429).body("type", containsString("too-many-switches"));
        // The refused switch changed nothing: the fifth switch's challenge stands.
        Callers.gateway(tenant).get("/v1/logins/{l}", login).then().body("factor", equalTo("recovery_code"));
    }

    @Test
    void aUserWhoseOnlyFactorIsRecoveryCodesIsChallengedOnThem() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        List<String> codes = FactorCalls.generateRecoveryCodes(tenant, user);
        JsonNode decision = challenged(tenant, user, LoginThread.unique("login"));
        assertThat(decision.get("factor").asText(), equalTo("RECOVERY_CODE"));
        VerifyApi.check(tenant, decision.get("challengeId").asText(), codes.get(4), true).statusCode(200)
                .body("status", equalTo("approved"));
        List<ConsumerRecord<String, String>> jobs = EventLog.records(Topics.CHALLENGE_ISSUED, Topics.key(tenant, user));
        assertThat(jobs, empty());
    }
}
