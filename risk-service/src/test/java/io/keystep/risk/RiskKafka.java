package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.events.Device;
import io.keystep.events.Envelope;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.events.VerificationCompleted;
import io.keystep.kit.messaging.TenantProof;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.auth.Tokens;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/** Produces logins and verifications and reads what risk-service published, on the shared real broker. */
final class RiskKafka {

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private static KafkaCompanion companion;
    private static ConsumerTask<String, String> assessed;
    private static ConsumerTask<String, String> loginDlq;
    private static ConsumerTask<String, String> verificationDlq;
    private static ConsumerTask<String, String> factorDlq;
    private static ConsumerTask<String, String> refusals;

    private RiskKafka() {
    }

    static synchronized KafkaCompanion companion() {
        if (companion == null) {
            companion = SharedServers.kafka().operatorCompanion();
            // One reader per topic for the whole JVM: tests pick their own login ids out of it.
            assessed = companion.consumeStrings().fromTopics(Topics.RISK_ASSESSED);
            loginDlq = companion.consumeStrings().fromTopics(Topics.deadLetter(Topics.LOGIN));
            verificationDlq = companion.consumeStrings().fromTopics(Topics.deadLetter(Topics.VERIFICATION_COMPLETED));
            factorDlq = companion.consumeStrings().fromTopics(Topics.deadLetter(Topics.FACTOR_CHANGED));
            refusals = companion.consumeStrings().fromTopics(Topics.ACCESS_REFUSED);
        }
        return companion;
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Envelope<LoginAttempted> loginEvent(String tenant, String user, String loginId, boolean passwordVerified,
                                               String fingerprint, String ip, Purpose purpose) {
        return loginEvent(tenant, user, loginId, passwordVerified, fingerprint, null, ip, purpose);
    }

    static Envelope<LoginAttempted> loginEvent(String tenant, String user, String loginId, boolean passwordVerified,
                                               String fingerprint, String token, String ip, Purpose purpose) {
        return Envelope.of(LoginAttempted.TYPE, Instant.now(), tenant, loginId,
                new LoginAttempted(loginId, user, passwordVerified, new Device(fingerprint, "test-agent/1.0", token),
                        ip, purpose));
    }

    /** Publishes a login and answers its login id. */
    static String login(String tenant, String user, boolean passwordVerified, String fingerprint, String ip,
                        Purpose purpose) {
        String loginId = unique("login");
        send(Topics.LOGIN, tenant, user, write(loginEvent(tenant, user, loginId, passwordVerified, fingerprint, ip,
                purpose)));
        return loginId;
    }

    /** Publishes a password-verified login presenting a trusted-device token and answers its login id. */
    static String loginWithToken(String tenant, String user, String fingerprint, String token, String ip) {
        String loginId = unique("login");
        send(Topics.LOGIN, tenant, user, write(loginEvent(tenant, user, loginId, true, fingerprint, token, ip,
                Purpose.LOGIN)));
        return loginId;
    }

    static void factorChange(String tenant, String user, FactorChange change, String factorId) {
        send(Topics.FACTOR_CHANGED, tenant, user, write(Envelope.of(FactorChanged.TYPE, Instant.now(), tenant,
                unique("change"), new FactorChanged(user, factorId, null, change, "test"))));
    }

    static List<ConsumerRecord<String, String>> factorDeadLetters() {
        companion();
        return factorDlq.getRecords();
    }

    static String login(String tenant, String user, boolean passwordVerified, String fingerprint, String ip) {
        return login(tenant, user, passwordVerified, fingerprint, ip, Purpose.LOGIN);
    }

    static void verification(String tenant, String user, String loginId, Outcome outcome, String fingerprint) {
        verification(tenant, user, loginId, unique("challenge"), outcome, fingerprint);
    }

    /** Publishes a check of challenge {@code challengeId} of the login, as challenge-service does. */
    static void verification(String tenant, String user, String loginId, String challengeId, Outcome outcome,
                             String fingerprint) {
        send(Topics.VERIFICATION_COMPLETED, tenant, user, write(Envelope.of(VerificationCompleted.TYPE, Instant.now(),
                tenant, loginId == null ? challengeId : loginId,
                new VerificationCompleted(challengeId, loginId, user, Factor.SMS, outcome, 1, fingerprint))));
    }

    /**
     * Publishes a push of the login that the user denied as not theirs, as challenge-service does, and answers the
     * record, so that a test can deliver it again.
     */
    static String pushDenied(String tenant, String user, String loginId, String challengeId) {
        String record = write(Envelope.of(VerificationCompleted.TYPE, Instant.now(), tenant, loginId,
                new VerificationCompleted(challengeId, loginId, user, Factor.PUSH, Outcome.DENIED, 1, null)));
        send(Topics.VERIFICATION_COMPLETED, tenant, user, record);
        return record;
    }

    /** Sends a record; a login carries the tenant's gateway token, as every gateway's does. */
    static void send(String topic, String tenant, String user, String value) {
        send(topic, tenant, user, value, Topics.LOGIN.equals(topic) ? bearer(Tokens.gateway(tenant)) : null);
    }

    /** Sends a record with {@code authorization} as its token header (none when null). */
    static void send(String topic, String tenant, String user, String value, String authorization) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, Topics.key(tenant, user), value);
        if (authorization != null) {
            record.headers().add(TenantProof.AUTHORIZATION, authorization.getBytes(StandardCharsets.UTF_8));
        }
        companion().produceStrings().fromRecords(record).awaitCompletion(Duration.ofSeconds(20));
    }

    static String bearer(String token) {
        return "Bearer " + token;
    }

    /** Waits for the one risk.assessed.v1 record of a login. */
    static ConsumerRecord<String, String> assessedRecord(String loginId) {
        companion();
        return await().atMost(Duration.ofSeconds(30)).until(() -> assessedRecords(loginId).stream().findFirst(),
                java.util.Optional::isPresent).get();
    }

    /**
     * Publishes one password-verified signup per user at once, each carrying its tenant's gateway token, and answers
     * the login ids in the users' order.
     */
    static List<String> signups(String tenant, List<String> users, String fingerprint, String ip) {
        companion();
        byte[] token = bearer(Tokens.gateway(tenant)).getBytes(StandardCharsets.UTF_8);
        List<String> loginIds = new java.util.ArrayList<>(users.size());
        List<ProducerRecord<String, String>> records = new java.util.ArrayList<>(users.size());
        for (String user : users) {
            String loginId = unique("signup");
            loginIds.add(loginId);
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.LOGIN, Topics.key(tenant, user),
                    write(loginEvent(tenant, user, loginId, true, fingerprint, ip, Purpose.SIGNUP)));
            record.headers().add(TenantProof.AUTHORIZATION, token);
            records.add(record);
        }
        companion.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(60));
        return loginIds;
    }

    /** The risk.assessed.v1 records of a tenant's users published so far (the key is {@code tenant:user}). */
    static List<ConsumerRecord<String, String>> assessedOf(String tenant) {
        companion();
        String prefix = tenant + ":";
        return assessed.getRecords().stream().filter(r -> r.key() != null && r.key().startsWith(prefix)).toList();
    }

    static List<ConsumerRecord<String, String>> assessedRecords(String loginId) {
        companion();
        return assessed.getRecords().stream()
                .filter(r -> loginId.equals(read(r.value()).path("correlationId").asText()))
                .toList();
    }

    /** The payload of a login's risk.assessed.v1 event, once published. */
    static JsonNode assessment(String loginId) {
        return read(assessedRecord(loginId).value()).path("payload");
    }

    static List<String> reasons(JsonNode payload) {
        return JSON.convertValue(payload.path("reasons"), JSON.getTypeFactory()
                .constructCollectionType(List.class, String.class));
    }

    static List<ConsumerRecord<String, String>> loginDeadLetters() {
        companion();
        return loginDlq.getRecords();
    }

    static List<ConsumerRecord<String, String>> refusals() {
        companion();
        return refusals.getRecords();
    }

    static List<ConsumerRecord<String, String>> verificationDeadLetters() {
        companion();
        return verificationDlq.getRecords();
    }

    static String write(Object event) {
        try {
            return JSON.writeValueAsString(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }
}
