package io.keystep.audit.store;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Hibernate Reactive runs only on a Vert.x (duplicated, safe) context. Work that starts elsewhere — a retry after a
 * backoff, a scheduled job, a blocking export — is moved onto one here.
 */
@ApplicationScoped
public class DatabaseContext {

    private final Vertx vertx;

    public DatabaseContext(Vertx vertx) {
        this.vertx = vertx;
    }

    /** The caller's context when it is a duplicated one, else a new safe duplicated context. */
    public Context current() {
        Context context = Vertx.currentContext();
        if (context != null && VertxContext.isDuplicatedContext(context)) {
            return context;
        }
        Context duplicated = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(duplicated, true);
        return duplicated;
    }

    /** Runs {@code work} on {@code context}. */
    public static <T> Uni<T> on(Context context, Supplier<Uni<T>> work) {
        if (Vertx.currentContext() == context && Context.isOnEventLoopThread()) {
            return work.get();
        }
        return Uni.createFrom().emitter(emitter -> context.runOnContext(ignored ->
                work.get().subscribe().with(emitter::complete, emitter::fail)));
    }

    /** For blocking callers (never an event loop): runs {@code work} on a fresh context and waits for it. */
    public <T> T await(Supplier<Uni<T>> work, Duration timeout) {
        return on(current(), work).await().atMost(timeout);
    }
}
