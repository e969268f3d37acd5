package io.keystep.delivery.messaging;

import io.keystep.delivery.store.DeliveryAttempts;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * Fires due fallback timers. Timers live in a Redis sorted set, not in memory: after a restart, or on another
 * instance, overdue timers fire on the next poll. Each timer is taken with ZREM, so exactly one instance fires it.
 * Polls every {@code keystep.delivery.fallback-poll-interval}, one at a time per instance: a slow Redis must not
 * pile polls up.
 */
@ApplicationScoped
public class FallbackTimerPoller {

    private static final Logger LOG = Logger.getLogger(FallbackTimerPoller.class);
    private static final int BATCH = 50;
    private static final long RETRY_AFTER_MILLIS = 5_000;

    private final DeliveryAttempts attempts;
    private final CodeDelivery delivery;
    private final Clock clock;

    public FallbackTimerPoller(DeliveryAttempts attempts, CodeDelivery delivery, Clock clock) {
        this.attempts = attempts;
        this.delivery = delivery;
        this.clock = clock;
    }

    @Scheduled(every = "${keystep.delivery.fallback-poll-interval:PT0.5S}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return attempts.due(clock.millis(), BATCH)
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
                        : Uni.createFrom().voidItem()))
                .collect().last()
                .onFailure().invoke(failure -> LOG.debugf("fallback poll failed: %s",
                        failure.getClass().getSimpleName()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
