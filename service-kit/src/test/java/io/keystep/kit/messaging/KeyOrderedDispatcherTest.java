package io.keystep.kit.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyOrderedDispatcherTest {

    private final List<String> started = new CopyOnWriteArrayList<>();

    /** A job that records its start and finishes when the test completes its future. */
    private Supplier<Uni<Void>> job(String name, CompletableFuture<Void> finish) {
        return () -> {
            started.add(name);
            return Uni.createFrom().completionStage(finish);
        };
    }

    @Test
    void itemsOfOneKeyRunOneAtATimeInOrderWhileOtherKeysRunAlongside() {
        KeyOrderedDispatcher runner = KeyOrderedDispatcher.of(8);
        CompletableFuture<Void> a1 = new CompletableFuture<>();
        CompletableFuture<Void> a2 = new CompletableFuture<>();
        CompletableFuture<Void> a3 = new CompletableFuture<>();
        CompletableFuture<Void> b1 = new CompletableFuture<>();
        runner.submit("a", job("a1", a1)).await().indefinitely();
        runner.submit("a", job("a2", a2)).await().indefinitely();
        runner.submit("b", job("b1", b1)).await().indefinitely();
        runner.submit("a", job("a3", a3)).await().indefinitely();
        assertEquals(List.of("a1", "b1"), started, "b does not wait for a; a2 waits for a1");

        a1.completeExceptionally(new IllegalStateException("a failed job still lets the next one run"));
        assertEquals(List.of("a1", "b1", "a2"), started);
        a2.complete(null);
        assertEquals(List.of("a1", "b1", "a2", "a3"), started);
        a3.complete(null);
        b1.complete(null);
        assertEquals(0, runner.inFlight());
    }

    @Test
    void admissionWaitsForAFreeSlotSoTheConsumerStopsReadingAhead() {
        KeyOrderedDispatcher runner = KeyOrderedDispatcher.of(2);
        CompletableFuture<Void> first = new CompletableFuture<>();
        runner.submit("a", job("a", first)).await().indefinitely();
        runner.submit("b", job("b", new CompletableFuture<>())).await().indefinitely();
        CompletableFuture<Void> admitted = runner.submit("c", job("c", CompletableFuture.completedFuture(null)))
                .subscribeAsCompletionStage();
        assertFalse(admitted.isDone(), "two jobs in flight: the third waits");
        assertEquals(2, runner.inFlight());

        first.complete(null);
        assertTrue(admitted.isDone());
        assertEquals(List.of("a", "b", "c"), started);
        assertEquals(1, runner.inFlight(), "a and c are done, b is still running");
    }

    @Test
    void drainingAdmitsNothingMoreAndCompletesWhenTheItemsInFlightAreDone() {
        KeyOrderedDispatcher runner = KeyOrderedDispatcher.of(4);
        CompletableFuture<Void> running = new CompletableFuture<>();
        runner.submit("a", job("a", running)).await().indefinitely();
        CompletableFuture<Void> drained = runner.drain();
        CompletableFuture<Void> late = runner.submit("b", job("b", CompletableFuture.completedFuture(null)))
                .subscribeAsCompletionStage();
        assertFalse(drained.isDone(), "a is still running");
        assertFalse(late.isDone(), "nothing is admitted while draining");

        running.complete(null);
        assertTrue(drained.isDone());
        assertFalse(late.isDone());
        assertEquals(List.of("a"), started, "b never ran: its record is read again after the restart");
    }

    @Test
    void onFreshContextsEachItemRunsOnANewDuplicatedContextOfItsOwn() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            KeyOrderedDispatcher runner = KeyOrderedDispatcher.onFreshContexts(4);
            List<Context> contexts = new CopyOnWriteArrayList<>();
            Supplier<Uni<Void>> work = () -> {
                contexts.add(Vertx.currentContext());
                return Uni.createFrom().voidItem();
            };
            Context parent = vertx.getOrCreateContext();
            parent.runOnContext(ignored -> {
                runner.submit("a", work).subscribe().with(done -> {
                });
                runner.submit("b", work).subscribe().with(done -> {
                });
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> contexts.size() == 2);
            assertTrue(contexts.stream().allMatch(VertxContext::isDuplicatedContext));
            assertNotSame(contexts.get(0), contexts.get(1), "concurrent items never share a context");
            await().atMost(Duration.ofSeconds(10)).until(() -> runner.inFlight() == 0);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
