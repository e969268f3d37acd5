package io.keystep.risk.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What the {@code auth.login.v1} consumer did with each record ({@code keystep.risk.logins.consumed} by outcome:
 * {@code decided}, {@code replayed} for a redelivered login answered with its remembered decision,
 * {@code dead_lettered}). Kafka's own client metrics (lag, fetch rate) come from the Micrometer Kafka binder.
 */
@ApplicationScoped
public class ConsumerMetrics {

    private final Counter decided;
    private final Counter replayed;
    private final Counter deadLettered;

    public ConsumerMetrics(MeterRegistry registry) {
        decided = counter(registry, "decided");
        replayed = counter(registry, "replayed");
        deadLettered = counter(registry, "dead_lettered");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("keystep.risk.logins.consumed").tag("outcome", outcome)
                .description("auth.login.v1 records consumed, by outcome").register(registry);
    }

    public void published(boolean wasReplayed) {
        (wasReplayed ? replayed : decided).increment();
    }

    public void deadLettered() {
        deadLettered.increment();
    }
}
