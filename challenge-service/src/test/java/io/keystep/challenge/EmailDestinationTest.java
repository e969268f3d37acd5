package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * Two spellings of one mailbox (case, blanks, Gmail's dots, a sub-address tag) are one destination: they share its
 * send limits and its pseudonym, so varying the spelling buys no extra sends to a victim's inbox.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class EmailDestinationTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    AdjustableClock clock;

    @Test
    void twoSpellingsOfOneMailboxShareOneSendLimit() {
        String tenant = LoginThread.unique("t");
        String local = "ann" + UUID.randomUUID().toString().substring(0, 8);
        VerifyApi.create(tenant, email(local + "@example.com", "ann")).statusCode(201);
        VerifyApi.create(tenant, email("  " + local.toUpperCase() + "+promo@EXAMPLE.com ", "bob")).statusCode(429)
                .body("type", containsString("send-limited"));
        var limited = EventLog.await(Topics.VERIFICATION_LIMITED, 1, r -> (tenant + ":bob").equals(r.key()));
        assertThat(limited.get(0).value(), containsString("\"DESTINATION_COOLDOWN\""));
    }

    @Test
    void twoSpellingsOfOneGmailMailboxShareOnePseudonymAndTheCodeGoesToTheAddressInLowerCase() throws Exception {
        String tenant = LoginThread.unique("t");
        String local = "ann" + UUID.randomUUID().toString().substring(0, 8);
        String first = VerifyApi.create(tenant, email(local + "@gmail.com", null)).statusCode(201)
                .extract().path("id");
        clock.advance(Duration.ofSeconds(31));
        String spelled = local.substring(0, 3).toUpperCase() + "." + local.substring(3) + "+news@GoogleMail.com";
        String second = VerifyApi.create(tenant, email(spelled, null)).statusCode(201).extract().path("id");

        JsonNode firstJob = job(first);
        JsonNode secondJob = job(second);
        assertThat(firstJob.at("/payload/userId").asText(), startsWith("anon-"));
        assertThat("one pseudonym, so one anonymous subject", secondJob.at("/payload/userId").asText(),
                equalTo(firstJob.at("/payload/userId").asText()));
        assertThat(secondJob.at("/payload/destination").asText(),
                equalTo(local.substring(0, 3) + "." + local.substring(3) + "+news@googlemail.com"));
    }

    private JsonNode job(String id) throws Exception {
        return mapper.readTree(EventLog.await(Topics.CHALLENGE_ISSUED, 1, r -> r.value().contains(id)).get(0).value());
    }

    private static String email(String to, String userId) {
        return "{\"to\":\"" + to + "\",\"channel\":\"email\"" + (userId == null ? "" : ",\"userId\":\"" + userId + "\"")
                + ",\"purpose\":\"login\"}";
    }
}
