package io.keystep.challenge.messaging;

import io.keystep.challenge.config.OutboxConfig;
import io.keystep.challenge.store.EventOutbox;
import io.keystep.challenge.store.EventOutbox.Pending;
import io.keystep.challenge.store.EventOutbox.Relayed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the outbox's pending rows in order and marks each sent only once Kafka acknowledged it (at least once:
 * a row whose acknowledgement was lost is sent again, and its consumers are idempotent). Woken right after a commit
 * that added rows, and every {@code keystep.outbox.relay-every} for rows a failure left behind. A row that fails
 * holds back the later rows of its key (one user's events stay in order) but not other users'.
 *
 * <p>Metrics: {@code keystep.outbox.pending} (rows waiting), {@code keystep.outbox.oldest.pending.seconds} (how long
 * the oldest waits; an alert belongs on it), {@code keystep.outbox.relayed} and
 * {@code keystep.outbox.relay.failures}.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** A pass stops after this many failed sends: the broker is probably away, and each waits for its timeout. */
    private static final int FAILURES_PER_PASS = 3;

    private final EventOutbox outbox;
    private final EventPublisher publisher;
    private final OutboxConfig config;
    private final Clock clock;
    private final Counter relayed;
    private final Counter failures;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestAgeSeconds = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean wanted = new AtomicBoolean();

    public OutboxRelay(EventOutbox outbox, EventPublisher publisher, OutboxConfig config, Clock clock,
                       MeterRegistry registry) {
        this.outbox = outbox;
        this.publisher = publisher;
        this.config = config;
        this.clock = clock;
        this.relayed = Counter.builder("keystep.outbox.relayed").description("Outbox rows Kafka acknowledged")
                .register(registry);
        this.failures = Counter.builder("keystep.outbox.relay.failures")
                .description("Outbox rows whose publication failed (retried later)").register(registry);
        Gauge.builder("keystep.outbox.pending", pending, AtomicLong::get)
                .description("Outbox rows not yet acknowledged by Kafka").register(registry);
        Gauge.builder("keystep.outbox.oldest.pending.seconds", oldestAgeSeconds, AtomicLong::get)
                .description("How long the oldest pending outbox row has waited").register(registry);
    }

    /** Relays what is pending soon, without waiting: called after a commit that added rows. */
    public void wake() {
        wanted.set(true);
        if (running.compareAndSet(false, true)) {
            pass();
        }
    }

    // Not while starting: the publisher's channels may not be connected yet.
    @Scheduled(every = "${keystep.outbox.relay-every:5s}", delayed = "${keystep.outbox.relay-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        wake();
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> purge() {
        return outbox.purgeSentBefore(clock.instant().minus(config.retention()))
                .onFailure().invoke(e -> LOG.warn("outbox purge failed; it runs again later", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** One pass; another follows at once while a full batch went out or a wake came meanwhile. */
    private void pass() {
        wanted.set(false);
        relayOnce().onFailure().invoke(e -> LOG.warn("outbox relay pass failed; it runs again later", e))
                .onFailure().recoverWithItem(false)
                .call(more -> outbox.backlog().invoke(backlog -> {
                    pending.set(backlog.pending());
                    oldestAgeSeconds.set(backlog.oldest()
                            .map(o -> Math.max(0, Duration.between(o, clock.instant()).toSeconds())).orElse(0L));
                }).onFailure().recoverWithNull())
                .subscribe().with(this::finished);
    }

    private void finished(boolean more) {
        if (more || wanted.get()) {
            pass();
            return;
        }
        running.set(false);
        // A wake that came between the check above and the reset would otherwise wait for the schedule.
        if (wanted.get() && running.compareAndSet(false, true)) {
            pass();
        }
    }

    /** Answers whether another pass should follow at once: a full batch all sent. */
    private Uni<Boolean> relayOnce() {
        int batch = config.batchSize();
        return outbox.relay(batch, clock.instant(), this::publishInOrder)
                .map(result -> result.map(r -> r.failed().isEmpty() && r.sent().size() == batch).orElse(false));
    }

    private Uni<Relayed> publishInOrder(List<Pending> rows) {
        return publishFrom(rows, 0, new ArrayList<>(), new ArrayList<>(), new HashSet<>());
    }

    private Uni<Relayed> publishFrom(List<Pending> rows, int i, List<Long> sent, List<Long> failed,
                                     Set<String> heldKeys) {
        if (i == rows.size() || failed.size() >= FAILURES_PER_PASS) {
            return Uni.createFrom().item(new Relayed(List.copyOf(sent), List.copyOf(failed)));
        }
        Pending row = rows.get(i);
        if (heldKeys.contains(row.key())) {
            return publishFrom(rows, i + 1, sent, failed, heldKeys);
        }
        return publisher.relay(row.topic(), row.key(), row.payload(), row.headers())
                .map(ok -> Optional.<Throwable>empty())
                .onFailure().recoverWithItem(Optional::of)
                .chain(error -> {
                    if (error.isEmpty()) {
                        sent.add(row.id());
                        relayed.increment();
                    } else {
                        failed.add(row.id());
                        heldKeys.add(row.key());
                        failures.increment();
                        LOG.warnf("outbox event %s (%s) not acknowledged, retried later: %s", row.eventId(),
                                row.topic(), error.get().toString());
                    }
                    return publishFrom(rows, i + 1, sent, failed, heldKeys);
                });
    }
}
