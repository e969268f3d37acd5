package io.keystep.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Envelope;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.kit.formats.SealingKeys;
import io.keystep.testsupport.SharedServers;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** Builds sealed delivery jobs the way challenge-service does, publishes them, and reads what the service answers. */
final class Jobs {

    /** The {@code %test.} sealing key, id {@code t1}. */
    static final String KEY_ID = "t1";
    static final byte[] KEY = Base64.getDecoder().decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static KafkaCompanion companion;
    private static ConsumerTask<String, String> statuses;
    private static ConsumerTask<String, String> deadLetters;

    private Jobs() {
    }

    /** Every code the tests generated, to prove none of them ever reaches a log line or an event. */
    static final List<String> CODES = new java.util.concurrent.CopyOnWriteArrayList<>();

    static synchronized KafkaCompanion kafka() {
        if (companion == null) {
            LogCapture.install();
            companion = SharedServers.kafka().operatorCompanion();
            statuses = companion.consumeStrings().withOffsetReset(OffsetResetStrategy.EARLIEST)
                    .fromTopics(Topics.DELIVERY_STATUS);
            deadLetters = companion.consumeStrings().withOffsetReset(OffsetResetStrategy.EARLIEST)
                    .fromTopics(Topics.deadLetter(Topics.CHALLENGE_ISSUED));
        }
        return companion;
    }

    /** Every status event seen so far. */
    static List<ConsumerRecord<String, String>> statusRecords() {
        kafka();
        return statuses.getRecords();
    }

    static List<ConsumerRecord<String, String>> deadLetterRecords() {
        kafka();
        return deadLetters.getRecords();
    }

    static String code() {
        String code = String.format("%06d", RANDOM.nextInt(1_000_000));
        CODES.add(code);
        return code;
    }

    /** A fresh valid US number in E.164, so that tests never see each other's messages. */
    static String usNumber() {
        return "+1415" + (2 + RANDOM.nextInt(8)) + String.format("%06d", RANDOM.nextInt(1_000_000));
    }

    /** A fresh valid number that starts with {@code prefix} (E.164, with the plus), filled up with random digits. */
    static String number(String prefix, int totalDigits) {
        StringBuilder number = new StringBuilder(prefix);
        while (number.length() - 1 < totalDigits) {
            number.append(RANDOM.nextInt(10));
        }
        return number.toString();
    }

    static String tenant() {
        return "tenant-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Sealed as challenge-service seals it, under the {@code %test.} key. */
    static String seal(String code, String tenantId, String challengeId) {
        return sealUnder(KEY_ID, KEY, code, tenantId, challengeId);
    }

    /** Sealed as challenge-service seals it, under another key. */
    static String sealUnder(String keyId, byte[] key, String code, String tenantId, String challengeId) {
        return new DeliverySeal(SealingKeys.parse(keyId + ":" + Base64.getEncoder().encodeToString(key)))
                .seal(tenantId, challengeId, code);
    }

    /** Sealed in the {@code v1.<keyId>.<base64url(nonce || ct+tag)>} form challenge-service wrote before JWE. */
    static String sealV1(String code, String tenantId, String challengeId) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, nonce));
            cipher.updateAAD((tenantId + ":" + challengeId).getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(code.getBytes(StandardCharsets.UTF_8));
            byte[] box = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, box, 0, nonce.length);
            System.arraycopy(sealed, 0, box, nonce.length, sealed.length);
            return "v1." + KEY_ID + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(box);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A job as challenge-service publishes it. */
    record Job(String tenantId, String challengeId, String userId, List<Channel> plan, String destination,
               String sealedCode, String locale, Instant expiresAt, Purpose purpose, int sendAttempt, String amount,
               String payee) {

        static Job sms(String tenantId, String destination, String code) {
            String challengeId = UUID.randomUUID().toString();
            return new Job(tenantId, challengeId, "user-" + UUID.randomUUID(), List.of(Channel.SMS), destination,
                    seal(code, tenantId, challengeId), "en", Instant.now().plus(Duration.ofMinutes(5)),
                    Purpose.LOGIN, 1, null, null);
        }

        Job withPlan(List<Channel> channels) {
            return new Job(tenantId, challengeId, userId, channels, destination, sealedCode, locale, expiresAt, purpose,
                    sendAttempt, amount, payee);
        }

        Job withLocale(String language) {
            return new Job(tenantId, challengeId, userId, plan, destination, sealedCode, language, expiresAt, purpose,
                    sendAttempt, amount, payee);
        }

        Job withSealedCode(String sealed) {
            return new Job(tenantId, challengeId, userId, plan, destination, sealed, locale, expiresAt, purpose,
                    sendAttempt, amount, payee);
        }

        /** The same job for another user (another key: same user, same partition and order). */
        Job forUser(String user) {
            return new Job(tenantId, challengeId, user, plan, destination, sealedCode, locale, expiresAt, purpose,
                    sendAttempt, amount, payee);
        }

        /** The resend challenge-service publishes: same challenge, a new code, the next send attempt. */
        Job resentWith(String code) {
            return new Job(tenantId, challengeId, userId, plan, destination, seal(code, tenantId, challengeId), locale,
                    expiresAt, purpose, sendAttempt + 1, amount, payee);
        }

        /** A PSD2 payment code, bound to an amount and a payee. */
        Job forPayment(String paymentAmount, String paymentPayee) {
            return new Job(tenantId, challengeId, userId, plan, destination, sealedCode, locale, expiresAt,
                    Purpose.TRANSACTION, sendAttempt, paymentAmount, paymentPayee);
        }

        io.keystep.delivery.domain.DeliveryJob asDeliveryJob() {
            return new io.keystep.delivery.domain.DeliveryJob(tenantId, "login-" + challengeId, challengeId, userId,
                    plan, destination, sealedCode, locale, expiresAt, purpose, sendAttempt, amount, payee);
        }

        String json(ObjectMapper mapper) {
            try {
                return mapper.writeValueAsString(Envelope.of(ChallengeIssued.TYPE, Instant.now(), tenantId,
                        "login-" + challengeId, new ChallengeIssued(challengeId, "login-" + challengeId, userId, plan,
                                destination, sealedCode, locale, expiresAt, purpose, sendAttempt, amount, payee)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        void publish(ObjectMapper mapper) {
            publishRaw(Topics.key(tenantId, userId), json(mapper));
        }
    }

    static void publishRaw(String key, String value) {
        kafka().produceStrings().fromRecords(new ProducerRecord<>(Topics.CHALLENGE_ISSUED, key, value))
                .awaitCompletion(Duration.ofSeconds(20));
    }
}
