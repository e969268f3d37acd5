package io.keystep.delivery.domain;

import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Envelope;
import io.keystep.events.Purpose;

import java.time.Instant;
import java.util.List;

/**
 * A delivery job as it is kept between channels of its plan. It holds the code only sealed, so that the state kept
 * in Redis for fallback never holds a plaintext code.
 */
public record DeliveryJob(String tenantId, String correlationId, String challengeId, String userId,
                          List<Channel> plan, String destination, String sealedCode, String locale, Instant expiresAt,
                          Purpose purpose) {

    public static DeliveryJob from(Envelope<ChallengeIssued> envelope) {
        ChallengeIssued job = envelope.payload();
        return new DeliveryJob(envelope.tenantId(), envelope.correlationId(), job.challengeId(), job.userId(),
                job.channelPlan(), job.destination(), job.sealedCode(), job.locale(), job.expiresAt(), job.purpose());
    }

    @Override
    public String toString() {
        return "DeliveryJob[tenant=" + tenantId + ", challengeId=" + challengeId + ", plan=" + plan + "]";
    }
}
