package io.keystep.delivery.domain;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Exponential backoff with full jitter: retries of many jobs spread out instead of hitting a provider together. */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private final RandomGenerator random;

    public Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    /** The wait before retry number {@code retry} (1 for the first retry): uniform in [0, min(max, initial·2^(retry-1))]. */
    public Duration delay(int retry) {
        long ceiling = Math.min(max.toMillis(), initial.toMillis() << Math.min(20, Math.max(0, retry - 1)));
        return Duration.ofMillis(ceiling <= 0 ? 0 : random.nextLong(ceiling + 1));
    }
}
