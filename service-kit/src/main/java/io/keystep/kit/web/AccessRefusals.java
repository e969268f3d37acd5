package io.keystep.kit.web;

import io.keystep.events.AccessRefused;
import io.keystep.kit.messaging.PlatformEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Keeps the trace of every refused call: counted in {@code keystep.access.refused} by reason; a 403 of an
 * authenticated caller is also published as {@link AccessRefused} under the caller's own tenant (never its token).
 * A 401 is only counted: an unauthenticated flood must not flood the trail.
 */
@ApplicationScoped
public class AccessRefusals {

    /** A refusal waits at most this long for Kafka; the caller is answered either way. */
    static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(5);
    private static final Logger LOG = Logger.getLogger(AccessRefusals.class);

    /** Why a call was refused without authentication (the counter's {@code reason}). */
    public enum Unauthenticated { MISSING_TOKEN, INVALID_TOKEN, MISSING_TENANT, NO_VERIFICATION_KEY }

    private final PlatformEvents events;
    private final MeterRegistry registry;
    private final String service;

    /** {@code service} is the application's name, the {@code service} of every event it publishes. */
    public AccessRefusals(PlatformEvents events, MeterRegistry registry,
                          @ConfigProperty(name = "quarkus.application.name") String service) {
        this.events = events;
        this.registry = registry;
        this.service = service;
    }

    /** A 401: counted only. */
    public void unauthenticated(Unauthenticated reason) {
        count(reason.name());
    }

    /**
     * A 403 of an authenticated caller: counted, logged and published. Completes, never fails, once Kafka
     * acknowledged the event or {@link #PUBLISH_TIMEOUT} passed: a failed publication is logged and counted in
     * {@code keystep.access.refused.unpublished}, and the refusal is answered all the same.
     *
     * @param requestedTenant for a cross-tenant refusal, the tenant the request named (a malformed one is not
     *                        repeated), else null
     */
    public Uni<Void> forbidden(String tenant, String subject, String method, String path,
                               AccessRefused.Reason reason, String requestedTenant) {
        count(reason.name());
        String named = requestedTenant == null ? null
                : Caller.isValidTenant(requestedTenant) ? requestedTenant : "(malformed)";
        LOG.infof("Refused %s %s to %s of tenant %s: %s%s", method, path, subject, tenant, reason,
                named == null ? "" : " (named tenant " + named + ")");
        return events.accessRefused(tenant, new AccessRefused(subject, service, method, path, reason, named))
                .ifNoItem().after(PUBLISH_TIMEOUT).fail()
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("Access refusal of %s in %s not published: %s", subject, tenant, e.toString());
                    registry.counter("keystep.access.refused.unpublished").increment();
                    return null;
                });
    }

    private void count(String reason) {
        Counter.builder("keystep.access.refused").description("Calls refused: no or bad token, role, tenant")
                .tag("reason", reason).register(registry).increment();
    }
}
