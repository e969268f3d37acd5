package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Channel;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
class DeliverySettingsTest {

    private static ConsumerTask<String, String> changes;

    @Inject
    ObjectMapper json;

    @BeforeAll
    static void watchChanges() {
        changes = Jobs.kafka().consumeStrings().withOffsetReset(OffsetResetStrategy.EARLIEST)
                .fromTopics(Topics.TENANT_SETTINGS_CHANGED);
    }

    @Test
    void aTenantWithoutOverridesSeesThePlatformDefaults() {
        Callers.admin(Jobs.tenant()).get("/v1/settings/delivery").then().statusCode(200)
                .body("channelPlan", nullValue())
                .body("fallbackTimeoutSeconds", equalTo(30))
                .body("allowedCountries", nullValue())
                .body("destinationPerHour", equalTo(10))
                .body("overridden.size()", equalTo(0));
        // Configured per-tenant defaults show as the tenant's defaults.
        Callers.admin("geo-tenant").get("/v1/settings/delivery").then().statusCode(200)
                .body("allowedCountries", contains("CA", "US"));
    }

    @Test
    void valuesOutOfBoundsOrMalformedAreRefusedNamingTheField() {
        String tenant = Jobs.tenant();
        refused(tenant, "{\"fallbackTimeoutSeconds\":4}", "fallbackTimeoutSeconds");
        refused(tenant, "{\"fallbackTimeoutSeconds\":601}", "fallbackTimeoutSeconds");
        refused(tenant, "{\"fallbackTimeoutSeconds\":\"soon\"}", "fallbackTimeoutSeconds");
        refused(tenant, "{\"allowedCountries\":[\"XX\"]}", "allowedCountries");
        refused(tenant, "{\"allowedCountries\":[]}", "allowedCountries");
        refused(tenant, "{\"usualCountries\":[\"USA\"]}", "usualCountries");
        refused(tenant, "{\"channelPlan\":[\"SMS\",\"SMS\"]}", "channelPlan");
        refused(tenant, "{\"channelPlan\":[\"PIGEON\"]}", "channelPlan");
        refused(tenant, "{\"channelPlan\":[]}", "channelPlan");
        refused(tenant, "{\"destinationPerHour\":0}", "destinationPerHour");
        refused(tenant, "{\"destinationPerHour\":101}", "destinationPerHour");
        refused(tenant, "{\"prefixPerHour\":10001}", "prefixPerHour");
        refused(tenant, "{\"countryPerHour\":0}", "countryPerHour");
        refused(tenant, "{\"rareCountryPerHour\":10001}", "rareCountryPerHour");
        refused(tenant, "{\"fallbackTimeout\":60}", "fallbackTimeout");
        refused(tenant, "{not json", "body");
        Callers.admin(tenant).get("/v1/settings/delivery").then().statusCode(200)
                .body("overridden.size()", equalTo(0));
        assertTrue(changesOf(tenant).isEmpty(), "nothing refused was published");
    }

    @Test
    void oneRefusalNamesEveryBadSettingAndChangesNothing() {
        String tenant = Jobs.tenant();
        JsonNode before = Callers.admin(tenant).contentType("application/json").body("{\"fallbackTimeoutSeconds\":45}")
                .put("/v1/settings/delivery").then().statusCode(200)
                .body("overridden", contains("fallbackTimeoutSeconds")).extract().as(JsonNode.class);
        awaitChange(tenant);

        // Five independent bad fields among two good ones, named in the body's order; the good ones are not saved.
        JsonNode problem = Callers.admin(tenant).contentType("application/json").body("""
                {"channelPlan":["SMS","PIGEON"],"fallbackTimeoutSeconds":90,"destinationPerHour":101,
                 "colour":"blue","allowedCountries":["US","XX"],"countryPerHour":500,"prefixPerHour":"many"}""")
                .put("/v1/settings/delivery").then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("status", equalTo(400))
                .body("errors.field", contains("channelPlan", "destinationPerHour", "colour", "allowedCountries",
                        "prefixPerHour"))
                .body("errors[1].message", equalTo("must be between 1 and 100"))
                .body("errors[4].message", equalTo("must be a whole number"))
                .extract().as(JsonNode.class);
        List<String> named = new ArrayList<>();
        problem.get("errors").forEach(e -> named.add(e.get("field").asText() + ": " + e.get("message").asText()));
        assertEquals(String.join("; ", named), problem.get("detail").asText());

        assertEquals(before, Callers.admin(tenant).get("/v1/settings/delivery").then().statusCode(200)
                .extract().as(JsonNode.class), "the settings did not change");
        assertEquals(1, changesOf(tenant).size(), "the refused PUT published no change");
    }

    @Test
    void aSingleBadSettingIsAnsweredAsBefore() {
        Callers.admin(Jobs.tenant()).contentType("application/json").body("{\"fallbackTimeoutSeconds\":4}")
                .put("/v1/settings/delivery").then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Invalid request"))
                .body("detail", equalTo("fallbackTimeoutSeconds: must be between 5 and 600"))
                .body("errors.size()", equalTo(1))
                .body("errors[0].field", equalTo("fallbackTimeoutSeconds"))
                .body("errors[0].message", equalTo("must be between 5 and 600"));
    }

    @Test
    void allowedCountriesOfOneTenantRefuseItsDestinationsElsewhereAndLeaveOtherTenantsAlone() {
        String restricted = Jobs.tenant();
        String other = Jobs.tenant();
        Callers.admin(restricted).contentType("application/json")
                .body("{\"allowedCountries\":[\"ca\",\"GB\"],\"fallbackTimeoutSeconds\":45}")
                .put("/v1/settings/delivery").then().statusCode(200)
                .body("allowedCountries", contains("CA", "GB"))
                .body("fallbackTimeoutSeconds", equalTo(45))
                .body("overridden", contains("fallbackTimeoutSeconds", "allowedCountries"));

        JsonNode change = awaitChange(restricted);
        assertEquals("delivery", change.get("payload").get("area").asText());
        assertEquals(restricted + "-admin-client", change.get("payload").get("changedBy").asText());
        JsonNode countries = field(change, "allowedCountries");
        assertTrue(countries.get("before").isNull());
        assertEquals("CA,GB", countries.get("after").asText());
        assertEquals("45", field(change, "fallbackTimeoutSeconds").get("after").asText());

        Jobs.Job refusedJob = Jobs.Job.sms(restricted, Jobs.usNumber(), Jobs.code());
        refusedJob.publish(json);
        Jobs.Job sentJob = Jobs.Job.sms(other, Jobs.usNumber(), Jobs.code());
        sentJob.publish(json);
        StatusEvents events = new StatusEvents(json);
        assertEquals("COUNTRY_NOT_ALLOWED", events.await(refusedJob.challengeId(), "FAILED").get("reason").asText());
        assertEquals("twilio", events.await(sentJob.challengeId(), "SENT").get("provider").asText());
        assertTrue(SmsSinkTestResource.sink().messagesTo(refusedJob.destination()).isEmpty());

        // Back to the defaults: the same destination goes out again, and the change says so.
        Callers.admin(restricted).contentType("application/json").body("{}").put("/v1/settings/delivery").then()
                .statusCode(200).body("allowedCountries", nullValue()).body("overridden.size()", equalTo(0));
        await().atMost(Duration.ofSeconds(30)).until(() -> changesOf(restricted).stream()
                .anyMatch(c -> field(c, "allowedCountries") != null && field(c, "allowedCountries").get("after").isNull()));
        Jobs.Job afterReset = Jobs.Job.sms(restricted, Jobs.usNumber(), Jobs.code());
        afterReset.publish(json);
        events.await(afterReset.challengeId(), "SENT");
    }

    @Test
    void theTenantsChannelPlanDecidesTheFallbackOrder() {
        String voiceFirst = Jobs.tenant();
        String asSent = Jobs.tenant();
        Callers.admin(voiceFirst).contentType("application/json").body("{\"channelPlan\":[\"voice\",\"SMS\"]}")
                .put("/v1/settings/delivery").then().statusCode(200).body("channelPlan", contains("VOICE", "SMS"));
        awaitChange(voiceFirst);

        List<Channel> plan = List.of(Channel.SMS, Channel.VOICE);
        Jobs.Job reordered = Jobs.Job.sms(voiceFirst, Jobs.usNumber(), Jobs.code()).withPlan(plan);
        Jobs.Job untouched = Jobs.Job.sms(asSent, Jobs.usNumber(), Jobs.code()).withPlan(plan);
        // A job whose channels the plan does not name at all is refused as such.
        Jobs.Job outside = Jobs.Job.sms(voiceFirst, Jobs.usNumber(), Jobs.code()).withPlan(List.of(Channel.WHATSAPP));
        reordered.publish(json);
        untouched.publish(json);
        outside.publish(json);

        StatusEvents events = new StatusEvents(json);
        assertEquals("VOICE", events.await(reordered.challengeId(), "SENT").get("channel").asText());
        assertEquals("SMS", events.await(untouched.challengeId(), "SENT").get("channel").asText());
        assertEquals("CHANNEL_NOT_IN_TENANT_PLAN", events.await(outside.challengeId(), "FAILED").get("reason").asText());
        Callers.worker(voiceFirst).get("/v1/deliveries/" + reordered.challengeId()).then().statusCode(200)
                .body("plan", contains("VOICE", "SMS"));
    }

    @Test
    void theFrameworksOwnRefusalsAreTypedProblemsToo() {
        Callers.admin("t").get("/v1/nothing-here").then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/http-404"));
        Callers.admin("t").delete("/v1/costs").then().statusCode(405).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/http-405"));
        Callers.admin("t").contentType("text/plain").body("x").put("/v1/settings/delivery").then()
                .statusCode(415).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/http-415"));
        // a refusal the service built itself keeps its own body
        Callers.admin("t").header("X-Tenant-Id", "someone-else").get("/v1/settings/delivery").then()
                .statusCode(403).contentType("application/problem+json")
                .body("detail", equalTo("the request names a tenant other than the caller's"));
    }

    private static void refused(String tenant, String body, String field) {
        Callers.admin(tenant).contentType("application/json").body(body).put("/v1/settings/delivery").then()
                .statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors[0].field", equalTo(field));
    }

    private JsonNode awaitChange(String tenant) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> changesOf(tenant).stream().findFirst(),
                Optional::isPresent).orElseThrow();
    }

    private List<JsonNode> changesOf(String tenant) {
        return changes.getRecords().stream()
                .filter(r -> Topics.key(tenant, tenant + "-admin-client").equals(r.key()))
                .map(this::read).toList();
    }

    private static JsonNode field(JsonNode change, String name) {
        for (JsonNode c : change.get("payload").get("changes")) {
            if (name.equals(c.get("field").asText())) {
                return c;
            }
        }
        return null;
    }

    private JsonNode read(ConsumerRecord<String, String> record) {
        try {
            return json.readTree(record.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
