package io.keystep.delivery.security;

import io.keystep.delivery.api.Problem;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.events.AccessRefused;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

/**
 * Answers refused calls and keeps their trace. Every refusal is counted ({@code keystep.access.refused} by reason);
 * a 403 (another tenant named, or a role not allowed) is also published as {@link AccessRefused}, with the caller's
 * own tenant and subject, never the token. A 401 is only counted: an unauthenticated flood must not flood the trail.
 */
@ApplicationScoped
public class AccessRefusals {

    public static final String SERVICE = "delivery-service";
    private static final Logger LOG = Logger.getLogger(AccessRefusals.class);

    private final PlatformEvents events;
    private final MeterRegistry meters;

    public AccessRefusals(PlatformEvents events, MeterRegistry meters) {
        this.events = events;
        this.meters = meters;
    }

    /** 401 with {@code WWW-Authenticate: Bearer}: no token, or one that does not verify or names no tenant. */
    public Response unauthenticated(String reason) {
        count(reason);
        return Response.fromResponse(Problem.response(401, "unauthenticated", "Unauthorized",
                        "a valid bearer token naming the tenant is required"))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    /** 403, once the refusal is published (a Kafka outage still refuses: the answer never waits on the trail). */
    public Uni<Response> forbidden(SecurityIdentity identity, String method, String path, AccessRefused.Reason reason,
                                   String requestedTenant) {
        count(reason.name());
        boolean crossTenant = reason == AccessRefused.Reason.CROSS_TENANT;
        Response answer = crossTenant
                ? Problem.response(403, "cross-tenant", "Forbidden",
                        "the request names a tenant other than the caller's")
                : Problem.response(403, "role-not-allowed", "Forbidden",
                        "the caller's role does not allow this operation");
        String tenant = TenantClaim.of(identity);
        String subject = identity.getPrincipal() == null ? null : identity.getPrincipal().getName();
        if (!TenantClaim.isValid(tenant) || subject == null || subject.isBlank()) {
            return Uni.createFrom().item(answer);
        }
        return events.accessRefused(tenant, new AccessRefused(subject, SERVICE, method, path, reason,
                        crossTenant ? requestedTenant : null))
                .onFailure().invoke(e -> LOG.warnf("access refusal not published: %s", e.getClass().getSimpleName()))
                .onFailure().recoverWithNull()
                .replaceWith(answer);
    }

    private void count(String reason) {
        meters.counter("keystep.access.refused", "reason", reason).increment();
    }
}
