package io.keystep.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends at a fixed rate from one thread. Each send has an intended time, start + i / rate, and latencies are
 * measured from it, not from when the send actually happened: a publisher that falls behind (a pause, a full
 * buffer) then shows as latency instead of silently thinning the load (coordinated omission).
 */
final class FixedRate {

    /** What one send does, given its index and intended time in microseconds since the epoch. */
    interface Send {
        void send(int index, long intendedEpochMicros);
    }

    /** How it went: how long sending took and how far behind its schedule the sender ever was. */
    record Pace(double seconds, double maxBehindMs) {
    }

    private FixedRate() {
    }

    static Pace run(int count, int perSecond, Send send) {
        long startNanos = System.nanoTime();
        Instant startInstant = Instant.now();
        long startMicros = startInstant.getEpochSecond() * 1_000_000 + startInstant.getNano() / 1000;
        long maxBehind = 0;
        for (int i = 0; i < count; i++) {
            long offset = (long) i * 1_000_000_000L / perSecond;
            long intended = startNanos + offset;
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 200_000));
            }
            maxBehind = Math.max(maxBehind, -wait);
            send.send(i, startMicros + offset / 1000);
        }
        return new Pace(ClosedLoop.round((System.nanoTime() - startNanos) / 1e9),
                ClosedLoop.round(maxBehind / 1e6));
    }

    /** How many sends {@code perSecond} makes in {@code duration}: at least one. */
    static int count(int perSecond, Duration duration) {
        return (int) Math.max(1, perSecond * duration.toMillis() / 1000);
    }

    static long epochMicros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
    }
}
