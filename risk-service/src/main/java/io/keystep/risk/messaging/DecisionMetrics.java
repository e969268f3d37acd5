package io.keystep.risk.messaging;

import io.keystep.events.Decision;
import io.keystep.kit.formats.TrustedDeviceTokens;
import io.keystep.risk.domain.Assessment;
import io.keystep.risk.domain.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decision metrics: {@code keystep.risk.decisions} by tenant and decision, {@code keystep.risk.reasons} by tenant,
 * reason and decision, {@code keystep.risk.challenge.rate} (share of a tenant's logins stepped up since start),
 * {@code keystep.risk.decision.duration}, {@code keystep.risk.shadow.decisions} comparing a shadow policy
 * with the live one, and {@code keystep.risk.device.tokens} by tenant and token verdict.
 */
@ApplicationScoped
public class DecisionMetrics {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, Rate> rates = new ConcurrentHashMap<>();

    public DecisionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts a live decision. */
    public void decided(String tenant, Assessment assessment, Duration took) {
        registry.counter("keystep.risk.decisions", "tenant", tenant, "decision", assessment.decision().name())
                .increment();
        for (Reason reason : assessment.reasons()) {
            registry.counter("keystep.risk.reasons", "tenant", tenant, "reason", reason.name(),
                    "decision", assessment.decision().name()).increment();
        }
        Timer.builder("keystep.risk.decision.duration").tag("tenant", tenant)
                .publishPercentiles(0.5, 0.99).register(registry).record(took);
        rate(tenant).count(assessment.decision() == Decision.CHALLENGE);
    }

    /** Counts what a shadow policy would have decided beside the live decision. */
    public void shadow(String tenant, String livePolicy, String shadowPolicy, Assessment live, Assessment shadow) {
        Counter.builder("keystep.risk.shadow.decisions")
                .tag("tenant", tenant)
                .tag("policy", shadowPolicy)
                .tag("live_policy", livePolicy)
                .tag("decision", shadow.decision().name())
                .tag("live_decision", live.decision().name())
                .tag("agrees", Boolean.toString(live.decision() == shadow.decision()))
                .register(registry)
                .increment();
    }

    /** Counts the verdicts on trusted-device tokens: a rise in forged or revoked ones is worth a look. */
    public void deviceToken(String tenant, TrustedDeviceTokens.Verdict verdict) {
        registry.counter("keystep.risk.device.tokens", "tenant", tenant, "verdict", verdict.name()).increment();
    }

    private Rate rate(String tenant) {
        return rates.computeIfAbsent(tenant, t -> {
            Rate rate = new Rate();
            Gauge.builder("keystep.risk.challenge.rate", rate, Rate::value).tag("tenant", t)
                    .description("share of the tenant's decided logins that were stepped up")
                    .register(registry);
            return rate;
        });
    }

    /** Challenged over decided logins. */
    static final class Rate {
        private final AtomicLong decided = new AtomicLong();
        private final AtomicLong challenged = new AtomicLong();

        void count(boolean challenge) {
            decided.incrementAndGet();
            if (challenge) {
                challenged.incrementAndGet();
            }
        }

        double value() {
            long total = decided.get();
            return total == 0 ? 0 : (double) challenged.get() / total;
        }
    }
}
