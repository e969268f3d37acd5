package io.keystep.benchmarks;

import io.smallrye.mutiny.Uni;
import org.HdrHistogram.ConcurrentHistogram;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

/**
 * An open loop: requests sent at a fixed rate whatever the answers do, each latency measured from the request's
 * intended send time (so time spent queued behind slow answers, in the client or the service, counts: no
 * coordinated omission). This is the figure for "p99 at N requests per second".
 */
final class OpenLoop {

    private OpenLoop() {
    }

    static ClosedLoop.Result run(int perSecond, Duration duration, LongFunction<Uni<String>> call) {
        int count = FixedRate.count(perSecond, duration);
        ConcurrentHistogram micros = new ConcurrentHistogram(Latency.HIGHEST_MICROS, 3);
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        CountDownLatch answered = new CountDownLatch(count);
        long started = System.nanoTime();
        FixedRate.run(count, perSecond, (i, intendedMicros) -> call.apply(i).subscribe().with(
                label -> done(intendedMicros, label, micros, outcomes, answered),
                failure -> done(intendedMicros, ClosedLoop.errorLabel(failure), micros, outcomes, answered)));
        try {
            if (!answered.await(60, TimeUnit.SECONDS)) {
                outcomes.computeIfAbsent("unanswered after 60 s", l -> new LongAdder()).add(answered.getCount());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Long> counted = new TreeMap<>();
        outcomes.forEach((label, n) -> counted.put(label, n.sum()));
        return new ClosedLoop.Result(0, ClosedLoop.round(seconds), micros.getTotalCount(),
                ClosedLoop.round(micros.getTotalCount() / seconds), Latency.of(micros), counted);
    }

    private static void done(long intendedMicros, String label, ConcurrentHistogram micros,
                             Map<String, LongAdder> outcomes, CountDownLatch answered) {
        long latency = FixedRate.epochMicros(Instant.now()) - intendedMicros;
        Latency.record(micros, latency);
        outcomes.computeIfAbsent(label, l -> new LongAdder()).increment();
        answered.countDown();
    }
}
