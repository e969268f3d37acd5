package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

/**
 * A revocation is never lost: it is committed with its events in the outbox, and the relay publishes them once the
 * broker acknowledges again, however long publishing failed.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class RevocationOutboxTest {

    /** One row of the outbox, as the service's own database role reads it. */
    record Row(String change, String factorId, boolean sent, int attempts) {
    }

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry registry;

    private final List<String[]> broken = new ArrayList<>();

    @AfterEach
    void heal() {
        broken.forEach(b -> PublishFailures.healFactorChanges(b[0], b[1]));
    }

    private String trustedDevice(String tenant, String user, String fingerprint) throws Exception {
        String id = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), user)).statusCode(201).extract().path("id");
        VerifyApi.check(tenant, id, VerifyApi.code(mapper, tenant, id, 1), true).statusCode(200);
        return Callers.gateway(tenant).contentType(ContentType.JSON)
                .body("{\"deviceFingerprint\":\"" + fingerprint + "\"}")
                .post("/v1/verifications/{id}/trust-device", id).then().statusCode(201).extract().path("deviceId");
    }

    private void breakPublishing(String tenant, String user) {
        broken.add(new String[]{tenant, user});
        PublishFailures.breakFactorChanges(tenant, user);
    }

    @Test
    void aRevocationWhosePublishFailsIsKeptPendingAndReachesTheTopicOnceTheBrokerAcknowledges() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String device = trustedDevice(tenant, user, "fp-outbox");
        breakPublishing(tenant, user);

        // The revocation is committed and answered at once; its event waits in the outbox, retried by the relay.
        Callers.gateway(tenant).delete("/v1/users/{u}/trusted-devices/{d}", user, device).then().statusCode(204);
        Callers.gateway(tenant).get("/v1/users/{u}/trusted-devices", user).then().statusCode(200)
                .body("$", org.hamcrest.Matchers.hasSize(0));
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(tenant, user).stream()
                .anyMatch(r -> r.factorId().equals(device) && !r.sent() && r.attempts() >= 2));
        assertThat(revokedOnTheTopic(device), empty());
        assertThat(registry.get("keystep.outbox.pending").gauge().value(), greaterThanOrEqualTo(1.0));
        // A retry of the request finds nothing left to revoke, and that loses nothing either.
        Callers.gateway(tenant).delete("/v1/users/{u}/trusted-devices/{d}", user, device).then().statusCode(404);

        PublishFailures.healFactorChanges(tenant, user);
        JsonNode event = mapper.readTree(EventLog.await(Topics.FACTOR_CHANGED, 1,
                r -> r.value().contains(device) && r.value().contains("\"DEVICE_REVOKED\"")).get(0).value());
        assertThat(event.at("/payload/userId").asText(), equalTo(user));
        assertThat(event.at("/tenantId").asText(), equalTo(tenant));
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(tenant, user).stream()
                .filter(r -> r.factorId().equals(device)).allMatch(Row::sent));
    }

    @Test
    void revokingEveryDeviceWhilePublishingFailsDeliversEachRevocationThenTheForgettingInOrder() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("u");
        String first = trustedDevice(tenant, user, "fp-one");
        String second = trustedDevice(tenant, user, "fp-two");
        breakPublishing(tenant, user);

        Callers.gateway(tenant).queryParam("reason", "compromise_suspected")
                .delete("/v1/users/{u}/trusted-devices", user).then().statusCode(200).body("revoked", equalTo(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(tenant, user).size() == 3
                && rows(tenant, user).stream().noneMatch(Row::sent)
                && rows(tenant, user).get(0).attempts() >= 1);
        List<Row> pending = rows(tenant, user);
        assertThat(pending.get(2).change(), equalTo("DEVICES_FORGOTTEN"));

        PublishFailures.healFactorChanges(tenant, user);
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(tenant, user).stream().allMatch(Row::sent));
        List<String> published = EventLog.records(Topics.FACTOR_CHANGED, Topics.key(tenant, user)).stream()
                .map(r -> r.value()).filter(v -> v.contains("compromise_suspected")).toList();
        assertThat(published.size(), equalTo(3));
        assertThat(published.stream().limit(2).allMatch(v -> v.contains("\"DEVICE_REVOKED\"")
                && (v.contains(first) || v.contains(second))), equalTo(true));
        assertThat(mapper.readTree(published.get(2)).at("/payload/change").asText(), equalTo("DEVICES_FORGOTTEN"));
    }

    private static List<String> revokedOnTheTopic(String device) {
        return EventLog.records(Topics.FACTOR_CHANGED, r -> r.value().contains(device)
                && r.value().contains("\"DEVICE_REVOKED\"")).stream().map(r -> r.value()).toList();
    }

    /** The user's outbox rows in relay order, read with the service's own credentials. */
    private List<Row> rows(String tenant, String user) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Connection c = PostgresTestResource.asTheService();
             PreparedStatement s = c.prepareStatement("SELECT payload, sent_at IS NOT NULL AS sent, attempts"
                     + " FROM event_outbox WHERE record_key = ? ORDER BY id")) {
            s.setString(1, Topics.key(tenant, user));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    JsonNode payload = mapper.readTree(rs.getString("payload")).path("payload");
                    rows.add(new Row(payload.path("change").asText(), payload.path("factorId").asText(""),
                            rs.getBoolean("sent"), rs.getInt("attempts")));
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return rows;
    }
}
