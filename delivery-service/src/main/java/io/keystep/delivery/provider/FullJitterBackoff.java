package io.keystep.delivery.provider;

import io.smallrye.faulttolerance.api.CustomBackoffStrategy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter for a provider's retries: retries of many jobs spread out instead of hitting a
 * provider together. One instance per guarded send, as SmallRye Fault Tolerance asks of a custom strategy.
 */
final class FullJitterBackoff implements CustomBackoffStrategy {

    private final long maxMillis;
    private final RandomGenerator random;
    private long initialMillis;
    private int retries;

    FullJitterBackoff(Duration max, RandomGenerator random) {
        this.maxMillis = max.toMillis();
        this.random = random;
    }

    @Override
    public void init(long initialDelayInMillis) {
        initialMillis = initialDelayInMillis;
    }

    @Override
    public long nextDelayInMillis(Throwable cause) {
        return delay(++retries);
    }

    /** The wait before retry number {@code retry} (1 for the first): uniform in [0, min(max, initial·2^(retry-1))]. */
    long delay(int retry) {
        long ceiling = Math.min(maxMillis, initialMillis << Math.min(20, Math.max(0, retry - 1)));
        return ceiling <= 0 ? 0 : random.nextLong(ceiling + 1);
    }
}
