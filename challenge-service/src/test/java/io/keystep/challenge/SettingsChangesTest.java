package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** Changes of a tenant's Verify settings reach the trail; destination regions are a setting that applies. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class SettingsChangesTest {

    @Inject
    ObjectMapper mapper;

    private static ValidatableResponse put(String tenant, String body) {
        return Callers.admin(tenant).contentType(ContentType.JSON).body(body).put("/v1/settings/verify").then();
    }

    /** field → [before, after] of one event. */
    private Map<String, List<String>> changes(ConsumerRecord<String, String> record) throws Exception {
        Map<String, List<String>> out = new HashMap<>();
        for (JsonNode c : mapper.readTree(record.value()).at("/payload/changes")) {
            out.put(c.get("field").asText(), java.util.Arrays.asList(
                    c.get("before").isNull() ? null : c.get("before").asText(),
                    c.get("after").isNull() ? null : c.get("after").asText()));
        }
        return out;
    }

    @Test
    void eachChangePublishesWhoChangedWhichFieldFromWhatToWhat() throws Exception {
        String tenant = LoginThread.unique("s");
        String admin = tenant + "-admin-client";
        String key = Topics.key(tenant, admin);

        put(tenant, "{\"codeLength\":8,\"maxAttempts\":3,\"autoChannels\":[\"voice\",\"sms\"]}").statusCode(200);
        ConsumerRecord<String, String> first = EventLog.await(Topics.TENANT_SETTINGS_CHANGED, 1, r -> key.equals(r.key())).get(0);
        JsonNode event = mapper.readTree(first.value());
        assertThat(event.at("/type").asText(), equalTo("tenant.settings-changed"));
        assertThat(event.at("/tenantId").asText(), equalTo(tenant));
        assertThat(event.at("/payload/area").asText(), equalTo("verify"));
        assertThat(event.at("/payload/changedBy").asText(), equalTo(admin));
        assertThat(changes(first), equalTo(Map.of(
                "codeLength", java.util.Arrays.asList(null, "8"),
                "maxAttempts", java.util.Arrays.asList(null, "3"),
                "autoChannels", java.util.Arrays.asList(null, "voice,sms"))));

        // Absent fields return to the default (after = null); unchanged ones are not named.
        put(tenant, "{\"codeLength\":8,\"autoChannels\":[\"voice\",\"sms\"],\"failuresToLock\":5,"
                + "\"allowedCountries\":[\"de\",\"AT\"]}").statusCode(200);
        ConsumerRecord<String, String> second = EventLog.await(Topics.TENANT_SETTINGS_CHANGED, 2, r -> key.equals(r.key())).get(1);
        assertThat(changes(second), equalTo(Map.of(
                "maxAttempts", java.util.Arrays.asList("3", null),
                "failuresToLock", java.util.Arrays.asList(null, "5"),
                "allowedCountries", java.util.Arrays.asList(null, "DE,AT"))));

        // A replacement that changes nothing publishes nothing: the next change is the third event.
        put(tenant, "{\"codeLength\":8,\"autoChannels\":[\"voice\",\"sms\"],\"failuresToLock\":5,"
                + "\"allowedCountries\":[\"DE\",\"AT\"]}").statusCode(200);
        put(tenant, "{}").statusCode(200);
        List<ConsumerRecord<String, String>> all = EventLog.await(Topics.TENANT_SETTINGS_CHANGED, 3, r -> key.equals(r.key()));
        assertThat(all.size(), equalTo(3));
        assertThat(changes(all.get(2)).keySet(), equalTo(java.util.Set.of("codeLength", "autoChannels",
                "failuresToLock", "allowedCountries")));

        // A refused value changes nothing and publishes nothing.
        put(tenant, "{\"codeLength\":11}").statusCode(400).body("errors[0].field", equalTo("codeLength"));
        put(tenant, "{\"maxAttempts\":2}").statusCode(200);
        all = EventLog.await(Topics.TENANT_SETTINGS_CHANGED, 4, r -> key.equals(r.key()));
        assertThat(all.size(), equalTo(4));
        assertThat(changes(all.get(3)), equalTo(Map.of("maxAttempts", java.util.Arrays.asList(null, "2"))));
    }

    @Test
    void allowedCountriesAreRegionCodesOfPhoneNumbers() {
        String tenant = LoginThread.unique("s");
        for (String bad : List.of("[\"XX\"]", "[\"DEU\"]", "[\"de\",\"DE\"]", "[]", "[null]", "[\"\"]", "[\"EU\"]")) {
            put(tenant, "{\"allowedCountries\":" + bad + "}").statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors[0].field", equalTo("allowedCountries"));
        }
        Callers.admin(tenant).get("/v1/settings/verify").then().statusCode(200).body("allowedCountries", nullValue());
        put(tenant, "{\"allowedCountries\":[\"DE\",\"fr\"]}").statusCode(200).body("allowedCountries", contains("DE", "FR"));
        Callers.admin(tenant).get("/v1/settings/verify").then().statusCode(200)
                .body("allowedCountries", contains("DE", "FR"));
    }

    @Test
    void aVerificationToANumberOutsideTheAllowedCountriesIsRefusedNamingTo() {
        String tenant = LoginThread.unique("s");
        put(tenant, "{\"allowedCountries\":[\"DE\"]}").statusCode(200);

        VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "uma")).statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("to"))
                .body("detail", containsString("US"));
        VerifyApi.create(tenant, "{\"to\":\"+447700900123\",\"channel\":\"auto\"}").statusCode(400)
                .body("errors[0].field", equalTo("to"));
        VerifyApi.create(tenant, VerifyApi.sms("+4915112345678", "uma")).statusCode(201);
        // E-mail has no region: the setting is about phone numbers.
        VerifyApi.create(tenant, "{\"to\":\"uma@example.com\",\"channel\":\"email\"}").statusCode(201);

        // Another tenant is not affected, and lifting the restriction lets the number through.
        VerifyApi.create(LoginThread.unique("s"), VerifyApi.sms(VerifyApi.phone(), "uma")).statusCode(201);
        put(tenant, "{}").statusCode(200);
        VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "uma-2")).statusCode(201);
    }
}
