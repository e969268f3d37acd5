package io.keystep.audit.store;

import io.keystep.events.TenantSettingsChanged;
import io.keystep.kit.messaging.PlatformEvents;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Publishes a change of a tenant's audit settings as {@link TenantSettingsChanged} (area {@value #AREA}, key
 * {@code tenant:subject}); the transaction that made the change commits only once Kafka acknowledged it, so that no
 * change escapes the trail.
 */
@ApplicationScoped
public class SettingsAnnouncements {

    public static final String AREA = "audit";

    private final PlatformEvents events;

    public SettingsAnnouncements(PlatformEvents events) {
        this.events = events;
    }

    /** Completes when Kafka acknowledged the change, on the caller's Vert.x context. */
    public Uni<Void> announce(String tenant, String subject, List<TenantSettingsChanged.Change> changes) {
        // the acknowledgement arrives on a Kafka thread; the transaction goes on on its own Vert.x context
        Context context = Vertx.currentContext();
        Uni<Void> sent = events.settingsChanged(tenant, new TenantSettingsChanged(AREA, subject, changes));
        return context == null ? sent : sent.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }
}
