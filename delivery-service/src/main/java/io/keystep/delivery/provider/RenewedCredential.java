package io.keystep.delivery.provider;

import io.smallrye.mutiny.Uni;

import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * A short-lived credential for a provider (an FCM access token, an APNs provider token), reused until its renewal
 * time and then issued again; sends that find it due while it is being renewed wait for the one renewal. A provider
 * that refuses it has it dropped ({@link #drop}), so that the next try gets a fresh one.
 */
final class RenewedCredential {

    /** A credential and when to stop using it. */
    record Issued(String value, Instant renewAt) {

        @Override
        public String toString() {
            return "Issued[renewAt=" + renewAt + "]";
        }
    }

    private final Supplier<Uni<Issued>> issuer;
    private final Clock clock;
    private volatile Issued current;
    /** The renewal under way, shared by every send that needs it; guarded by {@code this}. */
    private Uni<Issued> renewal;

    RenewedCredential(Supplier<Uni<Issued>> issuer, Clock clock) {
        this.issuer = issuer;
        this.clock = clock;
    }

    Uni<String> get() {
        Issued held = current;
        if (held != null && clock.instant().isBefore(held.renewAt())) {
            return Uni.createFrom().item(held.value());
        }
        return renewed().map(Issued::value);
    }

    /** Stops using {@code value}, unless a newer credential already replaced it. */
    void drop(String value) {
        Issued held = current;
        if (held != null && held.value().equals(value)) {
            current = null;
        }
    }

    private synchronized Uni<Issued> renewed() {
        if (renewal == null) {
            renewal = Uni.createFrom().<Issued>deferred(issuer::get)
                    .invoke(issued -> current = issued)
                    .eventually(this::renewalDone)
                    .memoize().indefinitely();
        }
        return renewal;
    }

    private synchronized void renewalDone() {
        renewal = null;
    }
}
