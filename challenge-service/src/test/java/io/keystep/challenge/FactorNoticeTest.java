package io.keystep.challenge;

import io.keystep.testsupport.ManagementPort;
import io.keystep.kit.formats.NoticeHeaders;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * Out-of-band notices (OWASP MFA cheat sheet): every factor change a user must hear about reaches Kafka as a
 * {@code factor.changed.v1} record carrying a notice to the user's phone, naming what changed and when, and never a
 * code, secret or token.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class FactorNoticeTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    /** The one record of this change, asserted to be a notice to {@code phone} that leaks none of {@code secrets}. */
    private ConsumerRecord<String, String> noticeTo(String tenant, String user, String change, String phone,
                                                    List<String> secrets) throws Exception {
        return noticeTo(tenant, user, change, "", phone, secrets);
    }

    private ConsumerRecord<String, String> noticeTo(String tenant, String user, String change, String about,
                                                    String phone, List<String> secrets) throws Exception {
        ConsumerRecord<String, String> record = EventLog.await(io.keystep.events.Topics.FACTOR_CHANGED, 1,
                r -> (tenant + ":" + user).equals(r.key()) && r.value().contains("\"change\":\"" + change + "\"")
                        && r.value().contains(about)).get(0);
        assertThat(FactorCalls.header(record, NoticeHeaders.NOTICE), equalTo("v1"));
        assertThat(FactorCalls.noticeDestinations(mapper, tenant, record), equalTo("SMS:" + phone));
        // The destination is sealed: the number is nowhere in clear on the record.
        assertThat(record.value(), not(containsString(phone)));
        StringBuilder everything = new StringBuilder(record.value());
        for (Header h : record.headers()) {
            everything.append('\n').append(new String(h.value(), StandardCharsets.UTF_8));
            assertThat(new String(h.value(), StandardCharsets.UTF_8), not(containsString(phone)));
        }
        for (String secret : secrets) {
            assertThat(everything.toString(), not(containsString(secret)));
        }
        return record;
    }

    @Test
    void addingAFactorAndItsRecoveryCodesNotifyTheUsersPhoneNamingWhatChangedAndWhen() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        String[] factor = new String[2];
        ExtractableResponse<Response> activated = FactorCalls.activeTotp(tenant, user, factor);
        List<String> secrets = new ArrayList<>(activated.path("recoveryCodes"));
        String secret = Authenticators.query(factor[1]).get("secret");
        secrets.add(secret);

        // (The phone's own enrollment is an ACTIVATED of factor SMS, published without a notice.)
        ConsumerRecord<String, String> added = noticeTo(tenant, user, "ACTIVATED", "\"factor\":\"TOTP\"", phone,
                secrets);
        String summary = FactorCalls.header(added, NoticeHeaders.SUMMARY);
        assertThat(summary, allOf(containsString("authenticator app"), containsString("added"),
                containsString(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                        .withZone(java.time.ZoneOffset.UTC).format(clock.instant()))));
        assertThat(added.value(), containsString("\"factorId\":\"" + factor[0] + "\""));
        assertThat(FactorCalls.header(noticeTo(tenant, user, "RECOVERY_CODES_GENERATED", phone, secrets),
                NoticeHeaders.SUMMARY), containsString("recovery codes"));
        // Enrolling a factor that is not yet usable, or renaming one, is published without a notice.
        assertThat(FactorCalls.header(FactorCalls.changes(tenant, user, "ENROLLED", 1).get(0), NoticeHeaders.NOTICE),
                nullValue());
    }

    @Test
    void removingAFactorRegeneratingAndUsingRecoveryCodesAndTrustingAndRevokingADeviceEachNotifyThePhone()
            throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String phone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, phone);
        List<String> secrets = new ArrayList<>(FactorCalls.generateRecoveryCodes(tenant, user));
        List<String> fresh = FactorCalls.generateRecoveryCodes(tenant, user);
        secrets.addAll(fresh);
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"code\":\"" + fresh.get(0) + "\"}")
                .post("/v1/users/{u}/recovery-codes/redeem", user).then().statusCode(200).body("remaining", equalTo(9));
        noticeTo(tenant, user, "RECOVERY_CODE_USED", phone, secrets);
        assertThat(FactorCalls.changes(tenant, user, "RECOVERY_CODES_GENERATED", 2).size(), equalTo(2));

        // A device trusted after an approved login, then revoked.
        FactorProofs.pastCooldown();
        String login = FactorCalls.createVerification(tenant, VerifyApi.sms(phone, user)).statusCode(201)
                .extract().path("id");
        String code = VerifyApi.code(mapper, tenant, login, 1);
        FactorCalls.check(tenant, login, code).statusCode(200).body("status", equalTo("approved"));
        ExtractableResponse<Response> trusted = Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"deviceFingerprint\":\"fp-notice-1\",\"label\":\"Laptop\"}")
                .post("/v1/verifications/{id}/trust-device", login).then().statusCode(201).extract();
        secrets.add(trusted.path("token"));
        secrets.add(code);
        noticeTo(tenant, user, "DEVICE_TRUSTED", phone, secrets);
        Callers.gateway(tenant).delete("/v1/users/{u}/trusted-devices/{d}", user, (String) trusted.path("deviceId"))
                .then().statusCode(204);
        noticeTo(tenant, user, "DEVICE_REVOKED", phone, secrets);

        // Removing an authenticator (its activation revokes nothing left to revoke here).
        String[] factor = new String[2];
        clock.advance(Duration.ofSeconds(31));
        FactorCalls.activeTotp(tenant, user, factor);
        Callers.gateway(tenant).header("Step-Up-Verification-Id", Authenticators.stepUp(tenant, user))
                .delete("/v1/users/{u}/factors/{f}", user, factor[0]).then().statusCode(204);
        ConsumerRecord<String, String> removed = noticeTo(tenant, user, "REMOVED", "\"factor\":\"TOTP\"", phone,
                secrets);
        assertThat(FactorCalls.header(removed, NoticeHeaders.SUMMARY), containsString("removed"));
    }

    @Test
    void aUserWithoutAPhoneGetsTheChangePublishedAsANoticeWithNoDestination() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        FactorCalls.generateRecoveryCodes(tenant, user);
        ConsumerRecord<String, String> record = FactorCalls.changes(tenant, user, "RECOVERY_CODES_GENERATED", 1).get(0);
        assertThat(FactorCalls.header(record, NoticeHeaders.NOTICE), equalTo("v1"));
        assertThat(FactorCalls.header(record, NoticeHeaders.TO), nullValue());
        ManagementPort.given().get("/q/metrics").then().statusCode(200).body(containsString(
                "keystep_factor_notices_total{change=\"recovery_codes_generated\",outcome=\"no_channel\",tenant=\""
                        + tenant + "\"}"));
    }

    @Test
    void replacingThePhoneTellsTheOldNumberThatItNoLongerReceivesCodes() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String oldPhone = VerifyApi.phone();
        String newPhone = VerifyApi.phone();
        FactorProofs.enrollPhone(tenant, user, oldPhone);
        FactorProofs.enrollPhone(tenant, user, oldPhone);
        FactorProofs.enrollPhone(tenant, user, newPhone);
        ConsumerRecord<String, String> removed = noticeTo(tenant, user, "REMOVED", oldPhone, List.of(newPhone));
        assertThat(removed.value(), containsString("\"factor\":\"SMS\""));
        // The first enrollment and the replacement are each one ACTIVATED; the repeated PUT published nothing.
        EventLog.await(io.keystep.events.Topics.FACTOR_CHANGED, 2, r -> (tenant + ":" + user).equals(r.key())
                && r.value().contains("\"ACTIVATED\""));
        assertThat(EventLog.records(io.keystep.events.Topics.FACTOR_CHANGED, r -> (tenant + ":" + user).equals(r.key())
                && r.value().contains("\"ACTIVATED\"")).size(), equalTo(2));
    }
}
