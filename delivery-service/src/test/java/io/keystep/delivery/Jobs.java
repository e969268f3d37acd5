package io.keystep.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Envelope;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.kit.formats.CodeUse;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.kit.formats.NoticeUse;
import io.keystep.kit.formats.SealingKeys;
import io.keystep.testsupport.SharedServers;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

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

    /** Every push nonce the tests generated, to prove none of them ever reaches a log line or an event. */
    static final List<String> NONCES = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A challenge's nonce as challenge-service makes it: 16 random bytes, base64url without padding. */
    static String nonce() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        NONCES.add(nonce);
        return nonce;
    }

    /** A fresh FCM registration token, shaped as FCM's are. */
    static String fcmToken() {
        byte[] bytes = new byte[105];
        RANDOM.nextBytes(bytes);
        String text = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return text.substring(0, 22) + ":APA91b" + text.substring(22);
    }

    /** A fresh APNs device token: 32 bytes in hexadecimal. */
    static String apnsToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
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

    private static final DeliverySeal SEAL =
            new DeliverySeal(SealingKeys.parse(KEY_ID + ":" + Base64.getEncoder().encodeToString(KEY)));

    /** {@code code} sealed as challenge-service seals it, under the {@code %test.} key, for exactly {@code use}. */
    static String seal(String code, CodeUse use) {
        return SEAL.sealCode(use, code);
    }

    /** Sealed as challenge-service seals it, under another key. */
    static String sealUnder(String keyId, byte[] key, String code, CodeUse use) {
        return new DeliverySeal(SealingKeys.parse(keyId + ":" + Base64.getEncoder().encodeToString(key)))
                .sealCode(use, code);
    }

    /** A notice's destinations sealed as challenge-service seals them, under the {@code %test.} key. */
    static String sealNotice(String destinations, NoticeUse notice) {
        return SEAL.sealNotice(notice, destinations);
    }

    /** A notice's destinations sealed for a notice without summary or language headers. */
    static String sealNotice(String destinations, String tenantId, String eventId, String userId) {
        return sealNotice(destinations, new NoticeUse(tenantId, eventId, userId, null, null));
    }

    /**
     * A job as challenge-service publishes it: its code sealed for exactly the fields it states, whatever they were
     * changed to, unless {@code sealedOverride} stands in for the seal (a job tampered with).
     */
    record Job(String tenantId, String challengeId, String userId, List<Channel> plan, String destination,
               String code, String locale, Instant expiresAt, Purpose purpose, int sendAttempt, String amount,
               String payee, String sealedOverride) {

        static Job sms(String tenantId, String destination, String code) {
            return new Job(tenantId, UUID.randomUUID().toString(), "user-" + UUID.randomUUID(), List.of(Channel.SMS),
                    destination, code, "en", Instant.now().plus(Duration.ofMinutes(5)), Purpose.LOGIN, 1, null, null,
                    null);
        }

        /** A push approval as challenge-service publishes it: the nonce sealed as the code, the phone as destination. */
        static Job push(String tenantId, String destination, String nonce) {
            return sms(tenantId, destination, nonce).withPlan(List.of(Channel.PUSH));
        }

        /** What the job states; the code is sealed for it. */
        CodeUse use() {
            return new CodeUse(tenantId, challengeId, userId, plan, destination, purpose, sendAttempt, expiresAt,
                    locale, amount, payee);
        }

        /** The sealed code as published (a fresh seal each time, as a fresh IV). */
        String sealedCode() {
            return sealedOverride != null ? sealedOverride : seal(code, use());
        }

        Job withPlan(List<Channel> channels) {
            return new Job(tenantId, challengeId, userId, channels, destination, code, locale, expiresAt, purpose,
                    sendAttempt, amount, payee, sealedOverride);
        }

        Job withLocale(String language) {
            return new Job(tenantId, challengeId, userId, plan, destination, code, language, expiresAt, purpose,
                    sendAttempt, amount, payee, sealedOverride);
        }

        /** The job with this sealed code in place of the one sealed for it. */
        Job withSealedCode(String sealed) {
            return new Job(tenantId, challengeId, userId, plan, destination, code, locale, expiresAt, purpose,
                    sendAttempt, amount, payee, sealed);
        }

        /** The same job for another user (another key: same user, same partition and order). */
        Job forUser(String user) {
            return new Job(tenantId, challengeId, user, plan, destination, code, locale, expiresAt, purpose,
                    sendAttempt, amount, payee, sealedOverride);
        }

        /** The resend challenge-service publishes: same challenge, a new code, the next send attempt. */
        Job resentWith(String newCode) {
            return new Job(tenantId, challengeId, userId, plan, destination, newCode, locale, expiresAt, purpose,
                    sendAttempt + 1, amount, payee, null);
        }

        /** A PSD2 payment code, bound to an amount and a payee. */
        Job forPayment(String paymentAmount, String paymentPayee) {
            return new Job(tenantId, challengeId, userId, plan, destination, code, locale, expiresAt,
                    Purpose.TRANSACTION, sendAttempt, paymentAmount, paymentPayee, sealedOverride);
        }

        io.keystep.delivery.domain.DeliveryJob asDeliveryJob() {
            return new io.keystep.delivery.domain.DeliveryJob(tenantId, "login-" + challengeId, challengeId, userId,
                    plan, destination, sealedCode(), locale, expiresAt, purpose, sendAttempt, amount, payee);
        }

        String json(ObjectMapper mapper) {
            try {
                return mapper.writeValueAsString(Envelope.of(ChallengeIssued.TYPE, Instant.now(), tenantId,
                        "login-" + challengeId, new ChallengeIssued(challengeId, "login-" + challengeId, userId, plan,
                                destination, sealedCode(), locale, expiresAt, purpose, sendAttempt, amount, payee)));
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
