package io.keystep.delivery.provider;

import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.util.TypeLiteral;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One provider's retries and circuit breaker (SmallRye Fault Tolerance). A retryable refusal (timeout, 429, 5xx) is
 * tried again after an exponential backoff with full jitter and counts against the provider's circuit; a refusal of
 * the message itself shows the provider is up. After {@code failureThreshold} consecutive failures the circuit opens
 * and sends skip the provider; after {@code openFor} a trial call decides. Kept per service instance: each instance
 * learns a provider's health from its own calls.
 */
public final class ProviderGuard {

    /** The policy of one provider, from {@code keystep.delivery.retry.*} and {@code keystep.delivery.circuit-breaker.*}. */
    public record Policy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, int failureThreshold,
                         Duration openFor) {
    }

    /** Carries a retryable refusal through the guard, which reacts to failures only. */
    private static final class RetryableRefusal extends RuntimeException {
        private final SendOutcome.Refused refused;

        RetryableRefusal(SendOutcome.Refused refused) {
            super(refused.reason(), null, false, false);
            this.refused = refused;
        }
    }

    /** Shared by every retry (SecureRandom is safe across threads). */
    private static final RandomGenerator JITTER = new SecureRandom();

    private final TypedGuard<Uni<SendOutcome>> guard;

    public ProviderGuard(String provider, Policy policy) {
        // Failure ratio 1 over a window of the threshold: the circuit opens on that many consecutive failures.
        int threshold = Math.max(1, policy.failureThreshold());
        this.guard = TypedGuard.create(new TypeLiteral<Uni<SendOutcome>>() {
                })
                .withDescription("provider " + provider)
                .withRetry()
                    .maxRetries(Math.max(0, policy.maxAttempts() - 1))
                    .delay(policy.initialBackoff().toMillis(), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .retryOn(RetryableRefusal.class)
                    .withCustomBackoff()
                        .strategy(() -> new FullJitterBackoff(policy.maxBackoff(), JITTER))
                        .done()
                    .done()
                .withCircuitBreaker()
                    .requestVolumeThreshold(threshold)
                    .failureRatio(1.0)
                    .successThreshold(1)
                    .delay(policy.openFor().toMillis(), ChronoUnit.MILLIS)
                    .done()
                .build();
    }

    /**
     * Sends through the provider's policy; {@code attempt} is called once per try. Never fails for a refusal: answers
     * the last refusal, or {@code CIRCUIT_OPEN} when the open circuit skipped the provider before any try.
     */
    public Uni<SendOutcome> send(Supplier<Uni<SendOutcome>> attempt) {
        AtomicReference<SendOutcome.Refused> last = new AtomicReference<>();
        return guard.get(() -> attempt.get().map(outcome -> {
                    if (outcome instanceof SendOutcome.Refused refused && refused.retryable()) {
                        last.set(refused);
                        throw new RetryableRefusal(refused);
                    }
                    return outcome;
                }))
                .onFailure(RetryableRefusal.class).recoverWithItem(e -> ((RetryableRefusal) e).refused)
                .onFailure(CircuitBreakerOpenException.class).recoverWithItem(() -> last.get() != null
                        ? last.get() : new SendOutcome.Refused("CIRCUIT_OPEN", true));
    }
}
