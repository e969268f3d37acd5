package io.keystep.risk.messaging;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signup experiment figures by tenant, experiment and arm, counted by this instance since it started:
 * {@code keystep.risk.experiment.signups.started}, {@code .challenged}, {@code .completed} (approved) and
 * {@code .abandoned} (expired, locked, canceled or never checked), and {@code keystep.risk.experiment.completion.rate},
 * completed over settled (completed + abandoned). Started = challenged + not challenged, and challenged = completed +
 * abandoned + still pending, summed over instances.
 */
@ApplicationScoped
public class ExperimentMetrics {

    static final String STARTED = "keystep.risk.experiment.signups.started";
    static final String CHALLENGED = "keystep.risk.experiment.signups.challenged";
    static final String COMPLETED = "keystep.risk.experiment.signups.completed";
    static final String ABANDONED = "keystep.risk.experiment.signups.abandoned";
    static final String COMPLETION_RATE = "keystep.risk.experiment.completion.rate";

    private final MeterRegistry registry;
    private final ConcurrentMap<Tags, Settled> rates = new ConcurrentHashMap<>();

    public ExperimentMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A signup decided within the experiment. */
    public void started(String tenant, String experiment, String arm, boolean challenged) {
        Tags tags = tags(tenant, experiment, arm);
        registry.counter(STARTED, tags).increment();
        if (challenged) {
            registry.counter(CHALLENGED, tags).increment();
        }
        settled(tags);
    }

    /** A challenged signup approved. */
    public void completed(String tenant, String experiment, String arm) {
        Tags tags = tags(tenant, experiment, arm);
        registry.counter(COMPLETED, tags).increment();
        settled(tags).completed.incrementAndGet();
    }

    /** A challenged signup that expired, was locked or canceled, or was never checked. */
    public void abandoned(String tenant, String experiment, String arm) {
        Tags tags = tags(tenant, experiment, arm);
        registry.counter(ABANDONED, tags).increment();
        settled(tags).abandoned.incrementAndGet();
    }

    private static Tags tags(String tenant, String experiment, String arm) {
        return Tags.of("tenant", tenant, "experiment", experiment, "arm", arm);
    }

    private Settled settled(Tags tags) {
        return rates.computeIfAbsent(tags, t -> {
            Settled settled = new Settled();
            Gauge.builder(COMPLETION_RATE, settled, Settled::rate).tags(t)
                    .description("share of the arm's settled challenged signups that were completed")
                    .register(registry);
            return settled;
        });
    }

    /** Completed over settled challenged signups; 0 before any settled. */
    static final class Settled {
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong abandoned = new AtomicLong();

        double rate() {
            long settled = completed.get() + abandoned.get();
            return settled == 0 ? 0 : (double) completed.get() / settled;
        }
    }
}
