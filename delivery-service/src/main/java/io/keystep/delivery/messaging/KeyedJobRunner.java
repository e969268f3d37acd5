package io.keystep.delivery.messaging;

import io.smallrye.mutiny.Uni;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs jobs concurrently, up to {@code maxInFlight} at a time, but one at a time per key and in submission order per
 * key, so that one person's jobs (one record key) never overtake each other while different people's jobs do not
 * wait for each other. Submitting answers once the job is admitted (a slot is free), not when it is done: the caller
 * reads the next record meanwhile, and hears of the job's end through the job itself (its ack or nack).
 */
public final class KeyedJobRunner {

    private final int maxInFlight;
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean draining;
    private CompletableFuture<Void> drained;

    public KeyedJobRunner(int maxInFlight) {
        this.maxInFlight = Math.max(1, maxInFlight);
    }

    /** Jobs admitted and not finished yet. */
    public synchronized int inFlight() {
        return inFlight;
    }

    /**
     * Queues {@code job} behind the key's earlier jobs. The answer completes when the job is admitted; the job runs
     * once it is admitted and the key's previous job has finished (whether it succeeded or failed). The job must not
     * fail: it reports its own outcome.
     */
    public Uni<Void> submit(String key, Supplier<Uni<Void>> job) {
        return Uni.createFrom().completionStage(this::acquire).invoke(() -> chain(key, job));
    }

    private void chain(String key, Supplier<Uni<Void>> job) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous = tails.put(key, done);
        Runnable run = () -> {
            Uni<Void> work;
            try {
                work = job.get();
            } catch (RuntimeException e) {
                work = Uni.createFrom().failure(e);
            }
            work.onFailure().recoverWithNull().subscribe().with(ignored -> finish(key, done),
                    failure -> finish(key, done));
        };
        if (previous == null) {
            run.run();
        } else {
            previous.whenComplete((ignored, failure) -> run.run());
        }
    }

    private void finish(String key, CompletableFuture<Void> done) {
        // The key is forgotten once its last queued job finished, so that the map holds only keys with work.
        tails.remove(key, done);
        release();
        done.complete(null);
    }

    /**
     * Stops admitting jobs (submissions from now on are never admitted, so their records are neither acknowledged
     * nor committed and are read again after a restart) and completes once the jobs in flight are done.
     */
    public synchronized CompletableFuture<Void> drain() {
        draining = true;
        if (drained == null) {
            drained = new CompletableFuture<>();
            waiting.clear();
        }
        if (inFlight == 0) {
            drained.complete(null);
        }
        return drained;
    }

    private synchronized CompletableFuture<Void> acquire() {
        if (draining) {
            return new CompletableFuture<>();
        }
        if (inFlight < maxInFlight) {
            inFlight++;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> slot = new CompletableFuture<>();
        waiting.add(slot);
        return slot;
    }

    private void release() {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = draining ? null : waiting.poll();
            if (next == null) {
                inFlight--;
            }
            if (draining && inFlight == 0) {
                drained.complete(null);
            }
        }
        if (next != null) {
            // The slot passes straight to the waiting submitter.
            next.complete(null);
        }
    }
}
