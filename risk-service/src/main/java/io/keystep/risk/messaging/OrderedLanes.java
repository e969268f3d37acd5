package io.keystep.risk.messaging;

import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs asynchronous work concurrently across keys and in submission order within a key: work is spread over a
 * fixed number of lanes by the key's hash, and each lane starts a task only when the previous one finished. At
 * most {@code maxInFlight} tasks are submitted and unfinished at once; {@link #submit} answers when the caller may
 * submit the next one (at once below the limit), which is how a Kafka consumer stops fetching ahead.
 */
public final class OrderedLanes {

    private final CompletableFuture<?>[] tails;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile CompletableFuture<Void> room;

    public OrderedLanes(int lanes, int maxInFlight) {
        if (lanes < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("lanes and maxInFlight must be at least 1");
        }
        this.tails = new CompletableFuture<?>[lanes];
        for (int i = 0; i < lanes; i++) {
            tails[i] = CompletableFuture.completedFuture(null);
        }
        this.maxInFlight = maxInFlight;
    }

    /**
     * Queues {@code task} behind the earlier tasks of the same key. The task must not fail (it handles its own
     * failures); if it does, the lane carries on with the next one. The answer completes when there is room for
     * another task.
     */
    public Uni<Void> submit(String key, Supplier<CompletionStage<?>> task) {
        int lane = Math.floorMod(key.hashCode(), tails.length);
        int now = inFlight.incrementAndGet();
        synchronized (tails) {
            tails[lane] = tails[lane].handle((v, e) -> null)
                    .thenCompose(v -> start(task))
                    .whenComplete((v, e) -> finished());
        }
        if (now < maxInFlight) {
            return Uni.createFrom().voidItem();
        }
        CompletableFuture<Void> wait = new CompletableFuture<>();
        room = wait;
        if (inFlight.get() < maxInFlight) {
            wait.complete(null);
        }
        return Uni.createFrom().completionStage(wait);
    }

    /** Tasks submitted and not finished. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Waits (blocking) until every submitted task finished or the time is up; answers whether they all did. */
    public boolean drain(Duration atMost) {
        CompletableFuture<?>[] all;
        synchronized (tails) {
            all = tails.clone();
        }
        try {
            CompletableFuture.allOf(all).get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return inFlight.get() == 0;
        }
    }

    private static CompletionStage<?> start(Supplier<CompletionStage<?>> task) {
        try {
            return task.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void finished() {
        int left = inFlight.decrementAndGet();
        CompletableFuture<Void> wait = room;
        if (wait != null && left < maxInFlight) {
            wait.complete(null);
        }
    }
}
