package io.keystep.delivery.domain;

import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Envelope;
import io.keystep.events.Purpose;
import io.keystep.kit.formats.CodeUse;

import java.time.Instant;
import java.util.List;

/**
 * A delivery job as it is kept between channels of its plan. It holds the code only sealed, so that the state kept
 * in Redis for fallback never holds a plaintext code.
 *
 * @param sendAttempt 1 for the first send of the challenge, one more per resend: a job is one send of one challenge
 * @param amount      for a payment (PSD2): the amount the code approves, as shown to the person; otherwise null
 * @param payee       for a payment (PSD2): the payee the code approves; otherwise null
 */
public record DeliveryJob(String tenantId, String correlationId, String challengeId, String userId,
                          List<Channel> plan, String destination, String sealedCode, String locale, Instant expiresAt,
                          Purpose purpose, int sendAttempt, String amount, String payee) {

    public DeliveryJob {
        // State written before jobs carried a send attempt reads as the first send.
        sendAttempt = Math.max(1, sendAttempt);
    }

    public static DeliveryJob from(Envelope<ChallengeIssued> envelope) {
        ChallengeIssued job = envelope.payload();
        return new DeliveryJob(envelope.tenantId(), envelope.correlationId(), job.challengeId(), job.userId(),
                job.channelPlan(), job.destination(), job.sealedCode(), job.locale(), job.expiresAt(), job.purpose(),
                job.sendAttempt(), job.amount(), job.payee());
    }

    /** The same job on another channel plan (the tenant's plan order applied). */
    public DeliveryJob withPlan(List<Channel> channels) {
        return new DeliveryJob(tenantId, correlationId, challengeId, userId, List.copyOf(channels), destination,
                sealedCode, locale, expiresAt, purpose, sendAttempt, amount, payee);
    }

    /** What the job states it may carry its code for; the code opens only if it was sealed for exactly this. */
    public CodeUse use() {
        return new CodeUse(tenantId, challengeId, userId, plan, destination, purpose, sendAttempt, expiresAt, locale,
                amount, payee);
    }

    /** The payment the code approves, when the job is for one and names both amount and payee. */
    public java.util.Optional<MessageComposer.Transaction> transaction() {
        if (purpose != Purpose.TRANSACTION || amount == null || amount.isBlank() || payee == null
                || payee.isBlank()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new MessageComposer.Transaction(amount.strip(), payee.strip()));
    }

    @Override
    public String toString() {
        return "DeliveryJob[tenant=" + tenantId + ", challengeId=" + challengeId + ", sendAttempt=" + sendAttempt
                + ", plan=" + plan + "]";
    }
}
