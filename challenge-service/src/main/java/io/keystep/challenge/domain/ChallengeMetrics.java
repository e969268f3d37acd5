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

    /** A send limit refused a send. */
    public void limitHit(String tenantId, String channel, String limit) {
        Counter.builder("keystep.verification.limit.hits").description("Sends refused by a send limit")
                .tag("tenant", tenantId).tag("channel", channel).tag("limit", limit).register(registry).increment();
    }

    /** A user's OTP verification was locked out (or suspended). */
    public void lockout(String tenantId, String channel, String kind) {
        Counter.builder("keystep.verification.lockouts").description("User lockouts after failed checks")
                .tag("tenant", tenantId).tag("channel", channel).tag("kind", kind).register(registry).increment();
    }

    /** One check ended with {@code outcome} (approved, pending, expired, max_attempts_reached, ...). */
    public void checked(String tenantId, String channel, String outcome, Duration latency) {
        Counter.builder("keystep.verification.checks").description("Checks of a code, by outcome")
                .tag("tenant", tenantId).tag("channel", channel).tag("outcome", outcome)
                .register(registry).increment();
        if ("approved".equals(outcome)) {
            Counter.builder("keystep.verification.approvals").description("Approved checks")
                    .tag("tenant", tenantId).tag("channel", channel).register(registry).increment();
        } else if ("expired".equals(outcome)) {
            Counter.builder("keystep.verification.expiries").description("Checks of expired codes")
                    .tag("tenant", tenantId).tag("channel", channel).register(registry).increment();
        }
        Timer.builder("keystep.verification.check.latency").description("Time to answer a check")
                .tag("tenant", tenantId).tag("channel", channel).tag("outcome", outcome)
                .register(registry).record(latency);
    }
}
