package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SmsSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
class SmsDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How the end-to-end test finds the code: the only run of 4 or more digits. */
    private static final Pattern CODE = Pattern.compile("\\b(\\d{4,})\\b");

    @Inject
    ObjectMapper json;

    private final SmsSink sink = SmsSinkTestResource.sink();
    private LogCapture logs;

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.install();
    }

    @Test
    void jobIsSentAsOneSmsWithItsCodeAndReportedSent() {
        String code = code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), "(415) 555-" + last4(), code);
        String e164 = "+1415555" + job.destination().substring(job.destination().length() - 4);
        job.publish(json);

        JsonNode status = awaitStatus(job.challengeId(), "SENT");
        List<SmsSink.Message> sent = sink.messagesTo(e164);
        assertEquals(1, sent.size());
        SmsSink.Message sms = sent.get(0);
        assertEquals(SmsSinkTestResource.FROM, sms.from());
        assertEquals("Your verification code is " + code + ". It expires in 5 minutes.", sms.body());
        Matcher digits = CODE.matcher(sms.body());
        assertTrue(digits.find());
        assertEquals(code, digits.group(1));
        assertFalse(digits.find(), "the code is the only run of four or more digits");

        JsonNode payload = status.get("payload");
        assertEquals(job.tenantId(), status.get("tenantId").asText());
        assertEquals(DeliveryExpectations.STATUS_TYPE, status.get("type").asText());
        assertEquals("twilio", payload.get("provider").asText());
        assertEquals("SMS", payload.get("channel").asText());
        assertEquals(sms.sid(), payload.get("providerMessageId").asText());
        assertEquals(job.userId(), payload.get("userId").asText());
        assertFalse(payload.get("destination").asText().contains(e164.substring(5, 9)), "destination is masked");
        assertTrue(payload.get("destination").asText().endsWith(e164.substring(e164.length() - 3)));
        ConsumerRecord<String, String> record = statusRecord(job.challengeId());
        assertEquals(Topics.key(job.tenantId(), job.userId()), record.key());
    }

    @Test
    void sameJobConsumedTwiceSendsOneSms() {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code());
        job.publish(json);
        job.publish(json);
        // A later job of the same person (same key, same partition) shows that both copies were consumed by then.
        Jobs.Job later = Jobs.Job.sms(job.tenantId(), number, code()).forUser(job.userId());
        later.publish(json);

        awaitStatus(later.challengeId(), "SENT");
        awaitStatus(job.challengeId(), "SENT");
        assertEquals(2, sink.messagesTo(number).size());
        assertEquals(1, statuses(job.challengeId()).size(), "one status for the job, however often it came");
    }

    @Test
    void resendOfTheSameChallengeIsANewJobAndIsSentOnceHoweverOftenItIsConsumed() {
        String number = Jobs.usNumber();
        String firstCode = code();
        String secondCode = code();
        String thirdCode = code();
        Jobs.Job first = Jobs.Job.sms(Jobs.tenant(), number, firstCode);
        first.publish(json);
        awaitStatus(first.challengeId(), "SENT");
        Jobs.Job second = first.resentWith(secondCode);
        second.publish(json);
        second.publish(json);
        // The third send has the same key as the second, hence the same partition: once it is sent, both copies of
        // the second were consumed.
        Jobs.Job third = second.resentWith(thirdCode);
        third.publish(json);

        await().atMost(WAIT).until(() -> sink.messagesTo(number).stream().anyMatch(m -> m.body().contains(thirdCode)));
        await().atMost(WAIT).until(() -> sentCount(first.challengeId()) == 3);
        List<String> bodies = sink.messagesTo(number).stream().map(SmsSink.Message::body).toList();
        assertEquals(3, bodies.size(), "one SMS per send: " + bodies.size());
        assertEquals(1, bodies.stream().filter(b -> b.contains(firstCode)).count());
        assertEquals(1, bodies.stream().filter(b -> b.contains(secondCode)).count(), "the resend consumed twice");
        assertEquals(1, bodies.stream().filter(b -> b.contains(thirdCode)).count());
        assertEquals(3, statuses(first.challengeId()).size(), "one status per send");
    }

    @Test
    void sendThatALaterResendAlreadyReplacedIsNotSent() {
        String number = Jobs.usNumber();
        String staleCode = code();
        String newCode = code();
        Jobs.Job first = Jobs.Job.sms(Jobs.tenant(), number, staleCode);
        Jobs.Job second = first.resentWith(newCode);
        second.publish(json);
        awaitStatus(first.challengeId(), "SENT");
        // The first send arrives late (a redelivery after the resend): its code no longer works.
        first.publish(json);
        String thirdCode = code();
        Jobs.Job third = second.resentWith(thirdCode);
        third.publish(json);

        await().atMost(WAIT).until(() -> sink.messagesTo(number).stream().anyMatch(m -> m.body().contains(thirdCode)));
        await().atMost(WAIT).until(() -> sentCount(first.challengeId()) == 2);
        List<String> bodies = sink.messagesTo(number).stream().map(SmsSink.Message::body).toList();
        assertEquals(2, bodies.size());
        assertTrue(bodies.stream().noneMatch(b -> b.contains(staleCode)), "the replaced code is not sent");
        assertEquals(2, statuses(first.challengeId()).size());
    }

    @Test
    void invalidNumberFailsWithInvalidNumberAndConsumingGoesOn() {
        Jobs.Job invalid = Jobs.Job.sms(Jobs.tenant(), "12345", code());
        invalid.publish(json);
        JsonNode failed = awaitStatus(invalid.challengeId(), "FAILED");
        assertEquals("INVALID_NUMBER", failed.get("payload").get("reason").asText());

        String number = Jobs.usNumber();
        Jobs.Job next = Jobs.Job.sms(invalid.tenantId(), number, code());
        next.publish(json);
        awaitStatus(next.challengeId(), "SENT");
        assertEquals(1, sink.messagesTo(number).size());
    }

    @Test
    void providerServerErrorFailsTheDeliveryWithAReason() {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code());
        sink.failNext(DeliveryExpectations.PROVIDER_ATTEMPTS, 503);
        job.publish(json);

        JsonNode failed = awaitStatus(job.challengeId(), "FAILED");
        assertEquals("PROVIDER_HTTP_503", failed.get("payload").get("reason").asText());
        assertEquals("twilio", failed.get("payload").get("provider").asText());
        assertTrue(sink.messagesTo(number).isEmpty());
        sink.failNext(0, 503);
    }

    @Test
    void malformedRecordGoesToTheDeadLetterTopicAndTheNextJobIsStillSent() {
        String marker = "malformed-" + System.nanoTime();
        Jobs.publishRaw("t:u", "{\"eventId\":\"" + marker + "\", not json");
        Jobs.Job missingDestination = Jobs.Job.sms(Jobs.tenant(), Jobs.usNumber(), code());
        String withoutDestination = missingDestination.json(json).replace(
                "\"destination\":\"" + missingDestination.destination() + "\",", "");
        Jobs.publishRaw("t:u", withoutDestination);
        String number = Jobs.usNumber();
        Jobs.Job good = Jobs.Job.sms(Jobs.tenant(), number, code());
        good.publish(json);

        awaitStatus(good.challengeId(), "SENT");
        assertEquals(1, sink.messagesTo(number).size());
        await().atMost(WAIT).until(() -> Jobs.deadLetterRecords().stream()
                .filter(r -> r.value().contains(marker) || r.value().contains(missingDestination.challengeId()))
                .count() == 2);
        assertTrue(statuses(missingDestination.challengeId()).isEmpty());
    }

    @Test
    void codeSealedForAnotherChallengeIsRefusedToTheDeadLetterTopicAndSendsNothing() {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code());
        Jobs.Job other = Jobs.Job.sms(job.tenantId(), number, code());
        // Sealed for another challenge: the code must not open for this one.
        job.withSealedCode(other.sealedCode()).publish(json);

        await().atMost(WAIT).until(() -> Jobs.deadLetterRecords().stream()
                .anyMatch(r -> r.value().contains(job.challengeId())));
        assertTrue(sink.messagesTo(number).isEmpty());
        assertTrue(statuses(job.challengeId()).isEmpty(), "a refused job speaks for no challenge");
    }

    @Test
    void codeSealedUnderAnUnknownKeyIsRefusedAndTheNextJobIsStillDelivered() {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code());
        byte[] otherKey = new byte[32];
        new java.security.SecureRandom().nextBytes(otherKey);
        job.withSealedCode(Jobs.sealUnder("k9", otherKey, code(), job.use())).publish(json);
        Jobs.Job next = Jobs.Job.sms(job.tenantId(), Jobs.usNumber(), code());
        next.publish(json);

        awaitStatus(next.challengeId(), "SENT");
        await().atMost(WAIT).until(() -> Jobs.deadLetterRecords().stream()
                .anyMatch(r -> r.value().contains(job.challengeId())));
        ConsumerRecord<String, String> refused = Jobs.deadLetterRecords().stream()
                .filter(r -> r.value().contains(job.challengeId())).findFirst().orElseThrow();
        String cause = new String(refused.headers().lastHeader("dead-letter-reason").value(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(cause.contains("SEALED_VALUE_UNREADABLE"), cause);
        assertTrue(sink.messagesTo(number).isEmpty());
    }

    @Test
    void aJobSealedInAnEarlierFormBoundOnlyToTenantAndChallengeIsRefused() throws Exception {
        String number = Jobs.usNumber();
        String code = code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code);
        // The JWE form sealed directly under the configured key, with tenant and challenge alone.
        org.jose4j.jwe.JsonWebEncryption jwe = new org.jose4j.jwe.JsonWebEncryption();
        jwe.setAlgorithmHeaderValue("dir");
        jwe.setEncryptionMethodHeaderParameter("A256GCM");
        jwe.setKeyIdHeaderValue(Jobs.KEY_ID);
        jwe.setKey(new javax.crypto.spec.SecretKeySpec(Jobs.KEY, "AES"));
        jwe.setPayload("{\"tid\":\"" + job.tenantId() + "\",\"sub\":\"" + job.challengeId() + "\",\"val\":\""
                + code + "\"}");
        job.withSealedCode(jwe.getCompactSerialization()).publish(json);

        await().atMost(WAIT).until(() -> Jobs.deadLetterRecords().stream()
                .anyMatch(r -> r.value().contains(job.challengeId())));
        assertTrue(sink.messagesTo(number).isEmpty());
    }

    @Test
    void codeAppearsInNoLogLineAndNoStatusEvent() {
        String number = Jobs.usNumber();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code());
        job.publish(json);
        awaitStatus(job.challengeId(), "SENT");
        Jobs.Job invalid = Jobs.Job.sms(job.tenantId(), "+1 000", code());
        invalid.publish(json);
        awaitStatus(invalid.challengeId(), "FAILED");

        // Every code any test of this JVM generated so far, on every channel and provider.
        List<String> codes = List.copyOf(Jobs.CODES);
        List<String> lines = logs.lines();
        assertFalse(lines.isEmpty(), "logs are captured");
        assertTrue(lines.stream().anyMatch(l -> l.contains(job.challengeId())), "delivery logs are captured");
        for (String code : codes) {
            // Standing alone, as a leaked code would (hex and longer digit runs of ids are not codes).
            Pattern alone = Pattern.compile("(?<![0-9A-Za-z])" + code + "(?![0-9A-Za-z])");
            for (String line : lines) {
                assertFalse(alone.matcher(line).find(),
                        () -> "a code appears in a log line: " + line.replace(code, "<code>"));
            }
            for (ConsumerRecord<String, String> record : Jobs.statusRecords()) {
                assertFalse(alone.matcher(record.value()).find(), "a code appears in a status event");
            }
        }
        for (String line : lines) {
            assertFalse(line.contains(number), "a full number appears in a log line");
        }
    }

    private static String code() {
        return Jobs.code();
    }

    private static String last4() {
        return Jobs.usNumber().substring(8);
    }

    private JsonNode awaitStatus(String challengeId, String status) {
        return await().atMost(WAIT).until(() -> statuses(challengeId).stream()
                .filter(s -> status.equals(s.get("payload").get("status").asText())).findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    private List<JsonNode> statuses(String challengeId) {
        List<JsonNode> found = new ArrayList<>();
        for (ConsumerRecord<String, String> record : Jobs.statusRecords()) {
            JsonNode node = read(record.value());
            if (challengeId.equals(node.get("payload").get("challengeId").asText())) {
                found.add(node);
            }
        }
        return found;
    }

    private long sentCount(String challengeId) {
        return statuses(challengeId).stream().filter(s -> "SENT".equals(s.get("payload").get("status").asText()))
                .count();
    }

    private ConsumerRecord<String, String> statusRecord(String challengeId) {
        return Jobs.statusRecords().stream().filter(r -> r.value().contains(challengeId)).findFirst().orElseThrow();
    }

    private JsonNode read(String value) {
        try {
            return json.readTree(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
