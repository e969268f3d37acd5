package io.keystep.challenge;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** The service's clock in tests: real time plus an offset that a test moves forward instead of sleeping. */
@Alternative
@Priority(1)
@Singleton
public class AdjustableClock extends Clock {

    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    /** Moves the service's time forward by {@code amount}, for every later reading. */
    public void advance(Duration amount) {
        offset.updateAndGet(current -> current.plus(amount));
    }

    /**
     * Moves the service's time forward to one second into the next time step of {@code step}, so that a test that
     * computes an authenticator's code and then presents it stays within one step, however slow the machine is.
     */
    public void toStartOfNextStep(Duration step) {
        long into = Math.floorMod(instant().toEpochMilli(), step.toMillis());
        advance(Duration.ofMillis(step.toMillis() - into + 1000));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset.get());
    }
}
