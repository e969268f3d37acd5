package io.keystep.kit.messaging;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs a consumer's records concurrently across keys and one after another, in submission order, within a key
 * ({@code tenant:user}), with at most {@code maxInFlight} admitted and unfinished at once. {@link #submit} answers
 * when the item is admitted, not when it is done: a consumer that waits for that answer reads ahead of slow records
 * and stops fetching once the bound is reached (back-pressure); each item reports its own outcome (ack or nack).
 * <p>
 * Why not the connector's {@code concurrency} attribute: it starts one Kafka consumer per unit of concurrency, so it
 * keeps order within a partition but never runs two keys of one partition at once; the services need per-key
 * concurrency within a partition, which only a dispatcher after the consumer gives.
 * <p>
 * {@link #onFreshContexts} runs each item on a new duplicated Vert.x context (flagged safe), for services whose work
 * opens reactive Hibernate sessions: concurrent items must never share one.
 */
public final class KeyOrderedDispatcher {

    private final int maxInFlight;
    private final boolean freshContexts;
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    private int inFlight;
    private CompletableFuture<Void> drained;

    private KeyOrderedDispatcher(int maxInFlight, boolean freshContexts) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1");
        }
        this.maxInFlight = maxInFlight;
        this.freshContexts = freshContexts;
    }

    /** Items run on the caller's thread or wherever their work continues. */
    public static KeyOrderedDispatcher of(int maxInFlight) {
        return new KeyOrderedDispatcher(maxInFlight, false);
    }

    /** Each item runs on a new duplicated context of the Vert.x context it was submitted from (if any). */
    public static KeyOrderedDispatcher onFreshContexts(int maxInFlight) {
        return new KeyOrderedDispatcher(maxInFlight, true);
    }

    /** Items admitted and not finished yet. */
    public synchronized int inFlight() {
        return inFlight;
    }

    /**
     * Queues {@code work} behind the key's earlier items; it starts once admitted and once the key's previous item
     * finished, successfully or not. The answer completes when the item is admitted. A failure of {@code work} only
     * ends the item: the work reports its own outcome.
     */
    public Uni<Void> submit(String key, Supplier<Uni<Void>> work) {
        Context parent = freshContexts ? Vertx.currentContext() : null;
        return Uni.createFrom().completionStage(this::admit).invoke(() -> enqueue(key, parent, work));
    }

    /**
     * Admits nothing more (those submissions never answer, so their records are neither acknowledged nor committed
     * and come again after a restart) and completes once the items in flight are done.
     */
    public synchronized CompletableFuture<Void> drain() {
        if (drained == null) {
            drained = new CompletableFuture<>();
            waiting.clear();
        }
        if (inFlight == 0) {
            drained.complete(null);
        }
        return drained;
    }

    private synchronized CompletableFuture<Void> admit() {
        if (drained != null) {
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
            next = drained != null ? null : waiting.poll();
            if (next == null) {
                inFlight--;
            }
            if (drained != null && inFlight == 0) {
                drained.complete(null);
            }
        }
        if (next != null) {
            next.complete(null); // the finished item's slot passes straight to a waiting submitter
        }
    }

    private void enqueue(String key, Context parent, Supplier<Uni<Void>> work) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous = tails.put(key, done);
        Runnable run = () -> start(parent, work, () -> {
            // forget the key once its last item finished, so that the map holds only keys with work
            tails.remove(key, done);
            release();
            done.complete(null);
        });
        if (previous == null) {
            run.run();
        } else {
            previous.whenComplete((ignored, failure) -> run.run());
        }
    }

    private static void start(Context parent, Supplier<Uni<Void>> work, Runnable whenFinished) {
        if (parent == null) {
            subscribe(work, whenFinished);
            return;
        }
        Context context = VertxContext.createNewDuplicatedContext(parent);
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> subscribe(work, whenFinished));
    }

    private static void subscribe(Supplier<Uni<Void>> work, Runnable whenFinished) {
        Uni<Void> uni;
        try {
            uni = work.get();
        } catch (RuntimeException e) {
            uni = Uni.createFrom().failure(e);
        }
        uni.onTermination().invoke(whenFinished).subscribe().with(ignored -> {
        }, ignored -> {
        });
    }
}
