package io.keystep.challenge.domain;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/** Counters and timers by tenant, channel and outcome, for dashboards and alerts. */
@ApplicationScoped
public class ChallengeMetrics {

    private final MeterRegistry registry;

    public ChallengeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A login decision was published. */
    public void loginDecided(String tenantId, String decision) {
        Counter.builder("keystep.login.decisions").description("Login decisions published")
                .tag("tenant", tenantId).tag("decision", decision).register(registry).increment();
    }

    /** A challenge (verification) was created and its delivery job published. */
    public void verificationCreated(String tenantId, String channel) {
        Counter.builder("keystep.verifications.created").description("Verifications created")
                .tag("tenant", tenantId).tag("channel", channel).register(registry).increment();
    }

    /** One check ended with {@code outcome} (approved, pending, expired, max_attempts_reached, ...). */
    public void checked(String tenantId, String channel, String outcome, Duration latency) {
        Counter.builder("keystep.verification.checks").description("Checks of a code, by outcome")
                .tag("tenant", tenantId).tag("channel", channel).tag("outcome", outcome)
                .register(registry).increment();
        Timer.builder("keystep.verification.check.latency").description("Time to answer a check")
                .tag("tenant", tenantId).tag("channel", channel).tag("outcome", outcome)
                .register(registry).record(latency);
    }
}
