package io.keystep.risk.api;

import io.keystep.events.AccessRefused;
import io.keystep.kit.messaging.PlatformEvents;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Counts every refused call ({@code keystep.access.refused} by reason) and publishes the 403s of authenticated
 * callers to the audit trail. 401s are only counted: an unauthenticated flood must not flood the trail.
 */
@ApplicationScoped
public class AccessRefusals {

    private static final Logger LOG = Logger.getLogger(AccessRefusals.class);
    static final String SERVICE = "risk-service";
    /** A refusal is answered even when Kafka is slow; the event is then only logged as lost. */
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(5);

    /** Why a call was refused without authentication. */
    public enum Unauthenticated { MISSING_TOKEN, INVALID_TOKEN, MISSING_TENANT, NO_VERIFICATION_KEY }

    private final MeterRegistry registry;
    private final PlatformEvents publisher;

    public AccessRefusals(MeterRegistry registry, PlatformEvents publisher) {
        this.registry = registry;
        this.publisher = publisher;
    }

    public void unauthenticated(Unauthenticated reason) {
        count(reason.name());
    }

    /** Counts and publishes a 403; completes (never fails) once Kafka acknowledged it or gave up. */
    public Uni<Void> forbidden(Caller caller, String method, String path, AccessRefused.Reason reason,
                               String requestedTenant) {
        count(reason.name());
        LOG.infof("Refused %s %s to %s of tenant %s: %s%s", method, path, caller.subject(), caller.tenant(), reason,
                requestedTenant == null ? "" : " (named tenant " + requestedTenant + ")");
        return publisher.accessRefused(caller.tenant(), new AccessRefused(caller.subject(), SERVICE, method, path, reason,
                        requestedTenant))
                .ifNoItem().after(PUBLISH_TIMEOUT).fail()
                .onFailure().recoverWithItem(e -> {
                    LOG.errorf("Access refusal of %s could not be published: %s", caller.subject(), e.toString());
                    return null;
                });
    }

    private void count(String reason) {
        registry.counter("keystep.access.refused", "reason", reason).increment();
    }
}
