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
        counter("keystep.login.decisions", "Login decisions published", "tenant", tenantId, "decision", decision)
                .increment();
    }

    /** A challenge (verification) was created and its delivery job published. */
    public void verificationCreated(String tenantId, String channel) {
        counter("keystep.verifications.created", "Verifications created", "tenant", tenantId, "channel", channel)
                .increment();
    }

    /** A login's challenge was switched to another of the user's factors. */
    public void loginSwitched(String tenantId, String factor) {
        counter("keystep.login.switches", "Login challenges switched to another factor", "tenant", tenantId,
                "factor", factor).increment();
    }

    /** A send limit refused a send. */
    public void limitHit(String tenantId, String channel, String limit) {
        counter("keystep.verification.limit.hits", "Sends refused by a send limit", "tenant", tenantId,
                "channel", channel, "limit", limit).increment();
    }

    /** A user's OTP verification was locked out (or suspended). */
    public void lockout(String tenantId, String channel, String kind) {
        counter("keystep.verification.lockouts", "User lockouts after failed checks", "tenant", tenantId,
                "channel", channel, "kind", kind).increment();
    }

    /** Counters by name and tag values, each registered once (as many as the registry holds anyway). */
    private final java.util.concurrent.ConcurrentMap<java.util.List<String>, Counter> counters =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Counter counter(String name, String description, String... tags) {
        java.util.List<String> key = new java.util.ArrayList<>(tags.length + 1);
        key.add(name);
        java.util.Collections.addAll(key, tags);
        Counter counter = counters.get(key);
        if (counter == null) {
            counter = counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags)
                    .register(registry));
        }
        return counter;
    }

    /** One check ended with {@code outcome} (approved, pending, expired, max_attempts_reached, ...). */
    public void checked(String tenantId, String channel, String outcome, Duration latency) {
        CheckMeters meters = checkMeters.get(new CheckKey(tenantId, channel, outcome));
        if (meters == null) {
            meters = checkMeters.computeIfAbsent(new CheckKey(tenantId, channel, outcome), this::checkMeters);
        }
        meters.checks().increment();
        if (meters.outcome() != null) {
            meters.outcome().increment();
        }
        meters.latency().record(latency);
    }

    /**
     * The meters of one tenant, channel and outcome, looked up once: a check then counts without building meter
     * ids. Bounded like the meters themselves (tenants × channels × outcomes).
     */
    private record CheckKey(String tenant, String channel, String outcome) {
    }

    private record CheckMeters(Counter checks, Counter outcome, Timer latency) {
    }

    private final java.util.concurrent.ConcurrentMap<CheckKey, CheckMeters> checkMeters =
            new java.util.concurrent.ConcurrentHashMap<>();

    private CheckMeters checkMeters(CheckKey key) {
        Counter checks = Counter.builder("keystep.verification.checks").description("Checks of a code, by outcome")
                .tag("tenant", key.tenant()).tag("channel", key.channel()).tag("outcome", key.outcome())
                .register(registry);
        Counter outcome = null;
        if ("approved".equals(key.outcome())) {
            outcome = Counter.builder("keystep.verification.approvals").description("Approved checks")
                    .tag("tenant", key.tenant()).tag("channel", key.channel()).register(registry);
        } else if ("expired".equals(key.outcome())) {
            outcome = Counter.builder("keystep.verification.expiries").description("Checks of expired codes")
                    .tag("tenant", key.tenant()).tag("channel", key.channel()).register(registry);
        }
        Timer latency = Timer.builder("keystep.verification.check.latency").description("Time to answer a check")
                .tag("tenant", key.tenant()).tag("channel", key.channel()).tag("outcome", key.outcome())
                .register(registry);
        return new CheckMeters(checks, outcome, latency);
    }
}
