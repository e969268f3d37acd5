package io.keystep.delivery;

import io.keystep.testsupport.ManagementPort;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Envelope;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.events.Topics;
import io.keystep.kit.formats.NoticeUse;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SmsSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class FactorNoticeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SUMMARY = "A new sign-in method (an authenticator app) was added to your account on "
            + "2026-11-22 20:58 UTC. If this was not you, contact support.";

    @Inject
    ObjectMapper json;

    private final SmsSink sink = SmsSinkTestResource.sink();
    private StatusEvents statuses;
    private LogCapture logs;

    @BeforeEach
    void setUp() {
        statuses = new StatusEvents(json);
        logs = LogCapture.install();
    }

    @Test
    void sealedNoticeIsSentAsOneSmsWithTheSummaryAndReportedSent() {
        String tenant = Jobs.tenant();
        String number = Jobs.usNumber();
        Change change = Change.of(tenant);
        change.publish(json, change.noticeTo("SMS:" + number));

        JsonNode sent = statuses.await(change.eventId(), "SENT");
        List<SmsSink.Message> messages = sink.messagesTo(number);
        assertEquals(1, messages.size());
        assertEquals(SUMMARY, messages.get(0).body());
        assertEquals(SmsSinkTestResource.FROM, messages.get(0).from());
        assertEquals("SMS", sent.get("channel").asText());
        assertEquals("twilio", sent.get("provider").asText());
        assertEquals(change.userId(), sent.get("userId").asText());
        assertEquals(messages.get(0).sid(), sent.get("providerMessageId").asText());
        assertFalse(sent.get("destination").asText().contains(number.substring(5, 9)), "destination is masked");
        assertTrue(sent.get("destination").asText().endsWith(number.substring(number.length() - 3)));
        assertTrue(logs.lines().stream().noneMatch(l -> l.contains(number)), "the number is never logged in full");
        assertTrue(logs.lines().stream().noneMatch(l -> l.contains("contact support")), "the summary is not logged");
        String metrics = ManagementPort.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("keystep_delivery_notices_total{outcome=\"sent\"}"), "notices are counted");
    }

    @Test
    void noticeToANumberAsEnrolledIsNormalisedBeforeSending() {
        String number = Jobs.usNumber();
        String written = "(" + number.substring(2, 5) + ") " + number.substring(5, 8) + "-" + number.substring(8);
        Change change = Change.of(Jobs.tenant());
        change.publish(json, change.noticeTo("SMS:" + written));

        statuses.await(change.eventId(), "SENT");
        assertEquals(1, sink.messagesTo(number).size());
    }

    @Test
    void noticeGoesThroughTheTenantsOwnProviderRouteLikeACode() throws Exception {
        // This tenant's SMS goes to telnyx (priority 2) before twilio (10). Retries and failover are the code path's
        // own (ProviderFailoverTest); they are not repeated here, because a failing stand-in's circuit breaker is
        // shared with that test.
        String number = Jobs.usNumber();
        Change change = Change.of("telnyx-tenant");
        change.publish(json, change.noticeTo("SMS:" + number));

        JsonNode sent = statuses.await(change.eventId(), "SENT");
        assertEquals("telnyx", sent.get("provider").asText());
        ProviderStandIn.Request request = ProviderStandInsTestResource.TELNYX.requests().stream()
                .filter(r -> r.body().contains(number)).findFirst().orElseThrow();
        assertEquals(SUMMARY, json.readTree(request.body()).get("text").asText());
        assertEquals(number, json.readTree(request.body()).get("to").asText());
        assertTrue(sink.messagesTo(number).isEmpty());
    }

    @Test
    void noticeNeverGoesOutOnWhatsappEvenForATenantWithAWhatsappAccount() {
        // WhatsApp takes only the approved code template, and a notice has no code: its WhatsApp destination is
        // refused, while the same person's SMS destination still gets the notice.
        String number = Jobs.usNumber();
        Change change = Change.of("telnyx-whatsapp-tenant");
        change.publish(json, change.noticeTo("WHATSAPP:" + number + ",SMS:" + number));

        JsonNode failed = statuses.await(change.eventId(), "FAILED");
        assertEquals("CHANNEL_NOT_SUPPORTED", failed.get("reason").asText());
        statuses.await(change.eventId(), "SENT");
        assertEquals(SUMMARY, sink.messagesTo(number).get(0).body());
        assertTrue(sink.whatsappTo(number).isEmpty(), "nothing on WhatsApp");
        assertTrue(ProviderStandInsTestResource.HOOK.requests().stream().noneMatch(r -> r.body().contains(number)),
                "nor through the webhook gateway that also carries WhatsApp");
    }

    @Test
    void sameRecordConsumedTwiceSendsOneSmsPerDestination() {
        String tenant = Jobs.tenant();
        String first = Jobs.usNumber();
        String second = Jobs.usNumber();
        Change change = Change.of(tenant);
        List<Header> headers = change.noticeTo("SMS:" + first + ",SMS:" + second);
        change.publish(json, headers);
        change.publish(json, headers);
        // A later change of the same user (same key, same partition) shows that both copies were consumed by then.
        String marker = Jobs.usNumber();
        Change later = change.next();
        later.publish(json, later.noticeTo("SMS:" + marker));

        statuses.await(later.eventId(), "SENT");
        assertEquals(1, sink.messagesTo(first).size());
        assertEquals(1, sink.messagesTo(second).size());
        assertEquals(2, statuses.of(change.eventId()).size(), "one status per destination, however often it came");
    }

    @Test
    void recordWithoutNoticeHeadersSendsNothing() {
        String number = Jobs.usNumber();
        Change change = Change.of(Jobs.tenant());
        List<Header> withoutNotice = new ArrayList<>(change.noticeTo("SMS:" + number));
        withoutNotice.removeIf(h -> h.key().equals("keystep-notice"));
        change.publish(json, withoutNotice);
        Change plain = change.next();
        plain.publish(json, List.of());
        String marker = Jobs.usNumber();
        Change later = plain.next();
        later.publish(json, later.noticeTo("SMS:" + marker));

        statuses.await(later.eventId(), "SENT");
        assertTrue(sink.messagesTo(number).isEmpty());
        assertTrue(statuses.of(change.eventId()).isEmpty());
        assertTrue(statuses.of(plain.eventId()).isEmpty());
    }

    @Test
    void aNoticeWhoseTextWasChangedSendsNothingAndIsReportedFailed() {
        String number = Jobs.usNumber();
        Change change = Change.of(Jobs.tenant());
        change.publish(json, change.noticeTo("SMS:" + number, "Your account is locked. Call +1 900 555 0100."));

        JsonNode failed = statuses.await(change.eventId(), "FAILED");
        assertEquals("SEALED_DESTINATION_UNREADABLE", failed.get("reason").asText());
        assertTrue(sink.messagesTo(number).isEmpty(), "the destinations open only for the summary they were sealed with");
    }

    @Test
    void aJobsSealedCodeCopiedIntoANoticeNeverOpensAsDestinations() {
        String number = Jobs.usNumber();
        Change change = Change.of(Jobs.tenant());
        // A code sealed for a job whose challenge id is the event's id: the notice key does not open it.
        Jobs.Job job = new Jobs.Job(change.tenantId(), change.eventId(), change.userId(),
                List.of(io.keystep.events.Channel.SMS), number, Jobs.code(), "en", Instant.now().plusSeconds(300),
                io.keystep.events.Purpose.LOGIN, 1, null, null, null);
        change.publish(json, List.of(Change.header("keystep-notice", "v1"),
                Change.header("keystep-notice-summary", SUMMARY), Change.header("keystep-notice-locale", "en"),
                Change.header("keystep-notice-to", job.sealedCode())));

        JsonNode failed = statuses.await(change.eventId(), "FAILED");
        assertEquals("SEALED_DESTINATION_UNREADABLE", failed.get("reason").asText());
        assertTrue(sink.messagesTo(number).isEmpty());
        assertFalse(failed.toString().contains(job.code()), "no digit of the code in the status");
    }

    @Test
    void destinationsSealedForAnotherEventSendNothingAreReportedFailedAndTheConsumerGoesOn() {
        String number = Jobs.usNumber();
        Change change = Change.of(Jobs.tenant());
        Change other = change.next();
        // The headers of another change copied onto this record: they do not open for this event id.
        change.publish(json, other.noticeTo("SMS:" + number));
        String marker = Jobs.usNumber();
        Change later = other.next();
        later.publish(json, later.noticeTo("SMS:" + marker));

        JsonNode failed = statuses.await(change.eventId(), "FAILED");
        assertEquals("SEALED_DESTINATION_UNREADABLE", failed.get("reason").asText());
        assertEquals("SMS", failed.get("channel").asText());
        statuses.await(later.eventId(), "SENT");
        assertTrue(sink.messagesTo(number).isEmpty());
        assertEquals(1, sink.messagesTo(marker).size());
    }

    @Test
    void recordThatIsNotAFactorChangeGoesToTheDeadLetterTopicAndTheConsumerGoesOn() {
        Change change = Change.of(Jobs.tenant());
        String number = Jobs.usNumber();
        List<Header> headers = change.noticeTo("SMS:" + number);
        ProducerRecord<String, String> broken = new ProducerRecord<>(Topics.FACTOR_CHANGED, null,
                Topics.key(change.tenantId(), change.userId()), "{not json " + change.eventId(), headers);
        Jobs.kafka().produceStrings().fromRecords(broken).awaitCompletion(WAIT);
        String marker = Jobs.usNumber();
        Change later = change.next();
        later.publish(json, later.noticeTo("SMS:" + marker));

        statuses.await(later.eventId(), "SENT");
        await().atMost(WAIT).until(() -> deadLetters().stream().anyMatch(v -> v.contains(change.eventId())));
        assertTrue(sink.messagesTo(number).isEmpty());
    }

    private static io.smallrye.reactive.messaging.kafka.companion.ConsumerTask<String, String> deadLetterTask;

    /** Every record on factor.changed.v1.dlq so far, read by one consumer for the whole class. */
    private static synchronized List<String> deadLetters() {
        if (deadLetterTask == null) {
            deadLetterTask = Jobs.kafka().consumeStrings()
                    .withOffsetReset(org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST)
                    .fromTopics(Topics.deadLetter(Topics.FACTOR_CHANGED));
        }
        return deadLetterTask.getRecords().stream().map(r -> r.value()).toList();
    }

    /** A factor change as challenge-service publishes it, with a fixed event id so that the headers can be sealed. */
    record Change(String tenantId, String userId, UUID id) {

        static Change of(String tenantId) {
            return new Change(tenantId, "user-" + UUID.randomUUID(), UUID.randomUUID());
        }

        /** Another change of the same user. */
        Change next() {
            return new Change(tenantId, userId, UUID.randomUUID());
        }

        String eventId() {
            return id.toString();
        }

        List<Header> noticeTo(String destinations) {
            return noticeTo(destinations, SUMMARY);
        }

        /** The headers with {@code shown} as the summary, the destinations sealed for the genuine summary. */
        List<Header> noticeTo(String destinations, String shown) {
            return List.of(header("keystep-notice", "v1"), header("keystep-notice-summary", shown),
                    header("keystep-notice-locale", "en"), header("keystep-notice-to", Jobs.sealNotice(destinations,
                            new NoticeUse(tenantId, eventId(), userId, SUMMARY, "en"))));
        }

        void publish(ObjectMapper mapper, List<Header> headers) {
            String value;
            try {
                value = mapper.writeValueAsString(new Envelope<>(id, FactorChanged.TYPE, 1, Instant.now(), tenantId,
                        "factor-" + id, new FactorChanged(userId, "factor-" + id, Factor.TOTP, FactorChange.ACTIVATED,
                        "Work phone")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            Jobs.kafka().produceStrings().fromRecords(new ProducerRecord<>(Topics.FACTOR_CHANGED, null,
                    Topics.key(tenantId, userId), value, headers)).awaitCompletion(WAIT);
        }

        private static Header header(String name, String value) {
            return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
