package io.keystep.audit.api;

import io.keystep.audit.security.AccessRefusals;
import io.keystep.audit.security.Caller;
import io.keystep.audit.security.CrossTenantException;
import io.keystep.audit.security.TenantClaim;
import io.keystep.events.AccessRefused;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/** Every error answer is application/problem+json; bad input never becomes a 500. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final AccessRefusals refusals;
    private final CurrentIdentityAssociation identities;

    public ProblemMappers(AccessRefusals refusals, CurrentIdentityAssociation identities) {
        this.refusals = refusals;
        this.identities = identities;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    /** No token at all on an operation that needs one. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, ContainerRequestContext request) {
        boolean presented = request.getHeaderString(HttpHeaders.AUTHORIZATION) != null;
        refusals.unauthenticated(presented ? AccessRefusals.INVALID_TOKEN : AccessRefusals.NO_TOKEN);
        return unauthenticated(presented ? "the bearer token is not valid" : "a bearer token is required");
    }

    /** A token that does not verify (signature, issuer, audience, expiry) or names no tenant. */
    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, ContainerRequestContext request) {
        boolean noTenant = causedBy(e, TenantClaim.MissingTenantException.class);
        if (noTenant) {
            refusals.unauthenticated(AccessRefusals.NO_TENANT);
            return unauthenticated("the token names no tenant");
        }
        boolean presented = request.getHeaderString(HttpHeaders.AUTHORIZATION) != null;
        refusals.unauthenticated(presented ? AccessRefusals.INVALID_TOKEN : AccessRefusals.NO_TOKEN);
        return unauthenticated(presented ? "the bearer token is not valid" : "a bearer token is required");
    }

    /** An authenticated caller whose roles do not allow the operation. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, ContainerRequestContext request) {
        SecurityIdentity identity = identities.getIdentity();
        String tenant = identity == null ? null : identity.getAttribute(TenantClaim.ATTRIBUTE);
        if (tenant != null) {
            refusals.refused(tenant, Caller.subjectOf(identity), request.getMethod(), request.getUriInfo().getPath(),
                    AccessRefused.Reason.ROLE_NOT_ALLOWED, null);
        }
        return respond(new Problem("https://keystep.dev/problems/role-not-allowed", "Forbidden", 403,
                "the caller's role does not allow this operation", null));
    }

    /** An authenticated caller that named another tenant. */
    @ServerExceptionMapper
    public Response crossTenant(CrossTenantException e, ContainerRequestContext request) {
        SecurityIdentity identity = identities.getIdentity();
        refusals.refused(identity.getAttribute(TenantClaim.ATTRIBUTE), Caller.subjectOf(identity), request.getMethod(),
                request.getUriInfo().getPath(), AccessRefused.Reason.CROSS_TENANT, e.requestedTenant());
        return respond(new Problem("https://keystep.dev/problems/cross-tenant", "Forbidden", 403,
                e.field() + " names a tenant other than the caller's",
                List.of(new Problem.FieldError(e.field(), "must be the caller's own tenant"))));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 400) {
            // a body the framework could not read, such as broken JSON
            return respond(ProblemException.invalid("body", "unreadable request").problem());
        }
        // typed as in the other services: a path no API has is https://keystep.dev/problems/http-404 everywhere
        return respond(new Problem("https://keystep.dev/problems/http-" + status,
                e.getResponse().getStatusInfo().getReasonPhrase(), status, e.getMessage(), null));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("request failed", e);
        return respond(new Problem("https://keystep.dev/problems/internal", "Internal error", 500,
                "the request could not be completed", null));
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static Response unauthenticated(String detail) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .entity(new Problem("https://keystep.dev/problems/unauthenticated", "Unauthorized", 401, detail, null))
                .build();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
