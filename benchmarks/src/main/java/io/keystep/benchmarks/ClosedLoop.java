package io.keystep.benchmarks;

import io.smallrye.mutiny.Uni;
import org.HdrHistogram.ConcurrentHistogram;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

/**
 * A closed loop: {@code clients} callers, each sending its next request as soon as its previous one answered, for a
 * fixed time. Nothing blocks: each call is a non-blocking {@link Uni} (Vert.x web or Redis client), so that a few
 * threads keep every caller busy. In a closed loop the service sets the pace, so the latency is the service time at
 * saturation and needs no coordinated-omission correction; the throughput is the figure.
 */
final class ClosedLoop {

    /** One run: answers per second, their latency, and how many answers of each kind. */
    record Result(int clients, double seconds, long requests, double requestsPerSecond, Latency latency,
                  Map<String, Long> outcomes) {
    }

    private ClosedLoop() {
    }

    /**
     * Runs {@code call} in a closed loop. {@code call} gets a sequence number (unique across clients) and answers
     * a short label of the outcome ("200", "200 pending", ...), counted in the result.
     */
    static Result run(int clients, Duration duration, LongFunction<Uni<String>> call) {
        ConcurrentHistogram micros = new ConcurrentHistogram(Latency.HIGHEST_MICROS, 3);
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        AtomicLong sequence = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(clients);
        long started = System.nanoTime();
        long end = started + duration.toNanos();
        AtomicLong lastAnswer = new AtomicLong(started);
        for (int c = 0; c < clients; c++) {
            next(call, sequence, end, micros, outcomes, lastAnswer, finished);
        }
        try {
            if (!finished.await(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("requests still unanswered 60 s after the loop's end");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        double seconds = (lastAnswer.get() - started) / 1e9;
        long requests = micros.getTotalCount();
        Map<String, Long> counted = new TreeMap<>();
        outcomes.forEach((label, n) -> counted.put(label, n.sum()));
        return new Result(clients, round(seconds), requests, round(requests / seconds), Latency.of(micros), counted);
    }

    private static void next(LongFunction<Uni<String>> call, AtomicLong sequence, long end,
                             ConcurrentHistogram micros, Map<String, LongAdder> outcomes, AtomicLong lastAnswer,
                             CountDownLatch finished) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        long sent = System.nanoTime();
        Uni<String> answer;
        try {
            answer = call.apply(sequence.getAndIncrement());
        } catch (RuntimeException e) {
            // A call that cannot even be sent ends this client rather than spinning on the same error.
            answered(sent, "error " + e.getClass().getSimpleName(), micros, outcomes, lastAnswer);
            finished.countDown();
            return;
        }
        answer.subscribe().with(
                label -> {
                    answered(sent, label, micros, outcomes, lastAnswer);
                    next(call, sequence, end, micros, outcomes, lastAnswer, finished);
                },
                failure -> {
                    answered(sent, errorLabel(failure), micros, outcomes, lastAnswer);
                    next(call, sequence, end, micros, outcomes, lastAnswer, finished);
                });
    }

    private static void answered(long sent, String label, ConcurrentHistogram micros,
                                 Map<String, LongAdder> outcomes, AtomicLong lastAnswer) {
        long now = System.nanoTime();
        Latency.record(micros, (now - sent) / 1000);
        outcomes.computeIfAbsent(label, l -> new LongAdder()).increment();
        lastAnswer.accumulateAndGet(now, Math::max);
    }

    /** A failure as an outcome label: its type and the start of its message (enough to tell errors apart). */
    static String errorLabel(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        return "error " + failure.getClass().getSimpleName() + ": "
                + (message.length() > 100 ? message.substring(0, 100) + "..." : message);
    }

    static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
