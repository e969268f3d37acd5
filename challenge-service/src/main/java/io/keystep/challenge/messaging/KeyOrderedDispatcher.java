package io.keystep.challenge.messaging;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs work items concurrently, except that items of one key run one after another in the order they were
 * dispatched, and at most {@code limit} items are under way at once. {@link #dispatch} answers when the item was
 * accepted, not when it finished: a consumer that waits for that answer before taking the next record reads ahead
 * of slow records instead of waiting for each one, and stops reading once {@code limit} are under way.
 * <p>
 * Each item runs on a fresh duplicated Vert.x context of its own (flagged safe), so that reactive database
 * sessions of concurrent items never meet.
 */
final class KeyOrderedDispatcher {

    private final int limit;
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private int underWay;
    private CompletableFuture<Void> waitingForRoom;

    KeyOrderedDispatcher(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
    }

    /** Items accepted and not finished yet. */
    synchronized int underWay() {
        return underWay;
    }

    /**
     * Accepts {@code work} for {@code key}: it starts once the key's previous item finished (successfully or not),
     * on a new duplicated context of {@code parent}. The answer completes when the item is accepted (at once while
     * fewer than {@code limit} are under way, else when one finishes). Call it again only after its answer, as a
     * consumer of one stream does.
     */
    Uni<Void> dispatch(String key, Context parent, Supplier<Uni<Void>> work) {
        return room().invoke(() -> enqueue(key, parent, work));
    }

    private Uni<Void> room() {
        CompletableFuture<Void> wait;
        synchronized (this) {
            if (underWay < limit) {
                underWay++;
                return Uni.createFrom().voidItem();
            }
            wait = new CompletableFuture<>();
            waitingForRoom = wait;
        }
        return Uni.createFrom().completionStage(wait);
    }

    private void finished() {
        CompletableFuture<Void> wake;
        synchronized (this) {
            wake = waitingForRoom;
            waitingForRoom = null;
            if (wake == null) {
                underWay--;
            }
            // else: the finished item's place passes to the waiting one
        }
        if (wake != null) {
            wake.complete(null);
        }
    }

    private void enqueue(String key, Context parent, Supplier<Uni<Void>> work) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous = tails.put(key, done);
        Runnable run = () -> start(parent, work, () -> {
            tails.remove(key, done);
            finished();
            done.complete(null);
        });
        if (previous == null) {
            run.run();
        } else {
            previous.whenComplete((ignored, failure) -> run.run());
        }
    }

    private static void start(Context parent, Supplier<Uni<Void>> work, Runnable whenFinished) {
        Context context = parent == null ? null : VertxContext.createNewDuplicatedContext(parent);
        if (context == null) {
            subscribe(work, whenFinished);
            return;
        }
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
        // The work reports its own outcome (ack or nack); here only its end matters.
        uni.onTermination().invoke(whenFinished).subscribe().with(ignored -> {
        }, ignored -> {
        });
    }
}
