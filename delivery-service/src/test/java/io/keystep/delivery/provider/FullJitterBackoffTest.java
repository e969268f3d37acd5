package io.keystep.delivery.provider;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

class FullJitterBackoffTest {

    private final FullJitterBackoff backoff = new FullJitterBackoff(Duration.ofSeconds(2), new SplittableRandom(7));

    @Test
    void waitsGrowExponentiallyUpToTheCapWithJitter() {
        backoff.init(200);
        for (int retry = 1; retry <= 8; retry++) {
            long ceiling = Math.min(2000, 200L << (retry - 1));
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long wait = backoff.delay(retry);
                assertTrue(wait >= 0 && wait <= ceiling, "retry " + retry + " waited " + wait);
                seen.add(wait);
            }
            assertTrue(seen.size() > 20, "jitter spreads the waits of retry " + retry);
        }
    }

    @Test
    void eachRetryOfOneSendWaitsUnderTheNextCeiling() {
        backoff.init(200);
        for (int retry = 1; retry <= 5; retry++) {
            long wait = backoff.nextDelayInMillis(new RuntimeException("PROVIDER_HTTP_503"));
            assertTrue(wait <= Math.min(2000, 200L << (retry - 1)), "retry " + retry + " waited " + wait);
        }
    }
}
