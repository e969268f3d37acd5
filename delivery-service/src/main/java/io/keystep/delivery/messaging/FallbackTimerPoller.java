package io.keystep.delivery.messaging;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.store.DeliveryAttempts;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fires due fallback timers. Timers live in a Redis sorted set, not in memory: after a restart, or on another
 * instance, overdue timers fire on the next poll. Each timer is taken with ZREM, so exactly one instance fires it.
 */
@ApplicationScoped
public class FallbackTimerPoller {

    private static final Logger LOG = Logger.getLogger(FallbackTimerPoller.class);
    private static final int BATCH = 50;
    private static final long RETRY_AFTER_MILLIS = 5_000;

    private final Vertx vertx;
    private final DeliveryConfig config;
    private final DeliveryAttempts attempts;
    private final CodeDelivery delivery;
    private final Clock clock;
    private final AtomicBoolean polling = new AtomicBoolean();
    private long timerId = -1;

    public FallbackTimerPoller(Vertx vertx, DeliveryConfig config, DeliveryAttempts attempts, CodeDelivery delivery,
                               Clock clock) {
        this.vertx = vertx;
        this.config = config;
        this.attempts = attempts;
        this.delivery = delivery;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        timerId = vertx.setPeriodic(Math.max(50, config.fallbackPollInterval().toMillis()), id -> poll());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    private void poll() {
        // One poll at a time per instance: a slow Redis must not pile polls up.
        if (!polling.compareAndSet(false, true)) {
            return;
        }
        attempts.due(clock.millis(), BATCH)
                .onItem().transformToMulti(timers -> Multi.createFrom().iterable(timers))
                .onItem().transformToUniAndConcatenate(timer -> attempts.take(timer).chain(taken -> taken
                        ? delivery.onFallbackTimer(timer.tenantId(), timer.challengeId(), timer.sendAttempt(),
                                timer.step())
                        .onFailure().call(e -> {
                            // Taken but not handled (Redis or Kafka trouble): put it back so that it is not lost.
                            LOG.warnf("fallback for %s failed, retrying shortly: %s", timer.challengeId(),
                                    e.getClass().getSimpleName());
                            return attempts.schedule(timer.tenantId(), timer.challengeId(), timer.sendAttempt(), timer.step(),
                                    clock.millis() + RETRY_AFTER_MILLIS);
                        })
                        .onFailure().recoverWithNull()
                        : io.smallrye.mutiny.Uni.createFrom().voidItem()))
                .collect().last()
                .subscribe().with(
                        done -> polling.set(false),
                        failure -> {
                            polling.set(false);
                            LOG.debugf("fallback poll failed: %s", failure.getClass().getSimpleName());
                        });
    }
}
