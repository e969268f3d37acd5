package io.keystep.challenge.messaging;

import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.events.Factor;
import io.keystep.events.Outcome;
import io.keystep.events.VerificationCompleted;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Locale;

/**
 * Puts a cancellation in the audit trail: a canceled challenge (by the cancel endpoint, or replaced by a new one
 * for the same user and purpose) publishes {@code verification.completed.v1} with outcome {@code CANCELED} and
 * the attempts it had spent. The challenge is marked announced only after Kafka's ack, so that a repeated cancel
 * after a failed publish announces it then, and a repeated cancel after a successful one announces nothing.
 */
@ApplicationScoped
public class CancellationTrail {

    private final ChallengeStore store;
    private final EventPublisher publisher;

    public CancellationTrail(ChallengeStore store, EventPublisher publisher) {
        this.store = store;
        this.publisher = publisher;
    }

    /** Publishes the cancellation of {@code challengeId} (acknowledged), unless the challenge is gone. */
    public Uni<Void> announce(String tenantId, String challengeId, Instant now) {
        return announce(tenantId, challengeId, now, Outcome.CANCELED);
    }

    /**
     * Publishes the end of a canceled challenge with {@code outcome}: {@code CANCELED}, or {@code DENIED} for a push
     * the person denied as not theirs.
     */
    public Uni<Void> announce(String tenantId, String challengeId, Instant now, Outcome outcome) {
        return store.find(tenantId, challengeId).flatMap(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            StoredChallenge c = found.get();
            return publisher.verificationCompleted(tenantId, now, new VerificationCompleted(c.challengeId(),
                            c.loginId(), c.subject(), factorOf(c), outcome, c.attempts(),
                            c.deviceFingerprint()))
                    .chain(() -> store.markAnnounced(challengeId));
        });
    }

    /** A pending challenge that a new one for the same subject and purpose replaced is canceled, in the trail too. */
    public Uni<Void> announceReplaced(String tenantId, ChallengeStore.Created created, Instant now) {
        return created.canceledId() == null ? Uni.createFrom().voidItem()
                : announce(tenantId, created.canceledId(), now);
    }

    private static Factor factorOf(StoredChallenge c) {
        if (c.factorId() != null) {
            return Factor.valueOf(c.factorId().split(":")[0].toUpperCase(Locale.ROOT));
        }
        return c.channelPlan().isEmpty() ? Factor.SMS : Factor.valueOf(c.channelPlan().get(0).name());
    }
}
