package io.keystep.risk.api;

import io.keystep.events.AccessRefused;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The {@code X-Tenant-Id} header is optional; when an authenticated caller sends one naming another tenant than its
 * token's, the call is refused (403 CROSS_TENANT) and the refusal published.
 */
public class TenantHeaderCheck {

    private static final java.util.regex.Pattern TENANT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final CurrentIdentityAssociation identities;
    private final AccessRefusals refusals;

    public TenantHeaderCheck(CurrentIdentityAssociation identities, AccessRefusals refusals) {
        this.identities = identities;
        this.refusals = refusals;
    }

    /** The named tenant as it may go into an event and a log line: well-formed ids only. */
    private static String printable(String named) {
        return TENANT_ID.matcher(named).matches() ? named : "(malformed)";
    }

    @ServerRequestFilter
    public Uni<Response> sameTenant(ContainerRequestContext request) {
        String named = request.getHeaderString(Caller.TENANT_HEADER);
        if (named == null) {
            return Uni.createFrom().nullItem();
        }
        return identities.getDeferredIdentity().chain(identity -> {
            if (identity.isAnonymous()) {
                // No token: the role check answers 401.
                return Uni.createFrom().nullItem();
            }
            Caller caller = Caller.of(identity);
            if (caller.tenant().equals(named)) {
                return Uni.createFrom().nullItem();
            }
            return refusals.forbidden(caller, request.getMethod(), request.getUriInfo().getRequestUri().getPath(),
                            AccessRefused.Reason.CROSS_TENANT, printable(named))
                    .map(v -> ProblemMappers.respond(Problem.of(403, "cross-tenant", "Forbidden",
                            "the request names a tenant other than the caller's")));
        });
    }
}
