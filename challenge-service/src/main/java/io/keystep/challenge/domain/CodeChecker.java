package io.keystep.challenge.domain;

import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.events.Factor;
import io.keystep.events.VerificationCompleted;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks a presented code: digests it, lets the store's atomic script judge it, and publishes the outcome
 * before answering. Any failure of Redis or Kafka surfaces as {@link CheckUnavailableException}: never approved.
 */
@ApplicationScoped
public class CodeChecker {

    private final ChallengeStore store;
    private final CodeDigest digests;
    private final EventPublisher publisher;
    private final ChallengeMetrics metrics;
    private final Clock clock;

    public CodeChecker(ChallengeStore store, CodeDigest digests, EventPublisher publisher, ChallengeMetrics metrics,
                       Clock clock) {
        this.store = store;
        this.digests = digests;
        this.publisher = publisher;
        this.metrics = metrics;
        this.clock = clock;
    }

    public Uni<CheckResult> check(String tenantId, String challengeId, String code) {
        long started = System.nanoTime();
        Instant now = clock.instant();
        String presented = digests.digest(tenantId, challengeId, code);
        return store.check(challengeId, tenantId, now, presented)
                .onFailure().transform(CheckUnavailableException::new)
                .call(result -> publish(tenantId, challengeId, result, now))
                .invoke(result -> metrics.checked(tenantId, "sms", result.status().wire(),
                        Duration.ofNanos(System.nanoTime() - started)));
    }

    private Uni<Void> publish(String tenantId, String challengeId, CheckResult result, Instant now) {
        if (result.status() == CheckStatus.NOT_FOUND) {
            return Uni.createFrom().voidItem();
        }
        return publisher.verificationCompleted(tenantId, now, new VerificationCompleted(challengeId,
                        result.loginId(), result.userId(), Factor.SMS, result.status().outcome(),
                        result.attemptsUsed(), result.deviceFingerprint()))
                .onFailure().transform(CheckUnavailableException::new);
    }
}
