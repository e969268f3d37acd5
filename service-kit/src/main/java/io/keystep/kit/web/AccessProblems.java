package io.keystep.kit.web;

import io.keystep.events.AccessRefused;
import io.keystep.kit.web.AccessRefusals.Unauthenticated;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;

/**
 * Refuses callers, the same way in every service. A missing or unacceptable token (signature, issuer, audience,
 * expiry, no tenant claim, no key to verify it with) → 401 {@code unauthenticated} with
 * {@code WWW-Authenticate: Bearer}, only counted. An authenticated caller lacking the role → 403
 * {@code role-not-allowed}; one naming another tenant ({@code X-Tenant-Id}, checked here for every endpoint so that no
 * resource can forget it, or a field a resource checks through {@link Caller#tenant(String, String)}) → 403
 * {@code cross-tenant}; both published through {@link AccessRefusals} before the answer.
 */
public class AccessProblems {

    private static final Logger LOG = Logger.getLogger(AccessProblems.class);

    private final AccessRefusals refusals;
    private final CurrentIdentityAssociation identities;
    private volatile boolean keyProblemLogged;

    /** The query parameter in which a caller may still name its own tenant. */
    static final String TENANT_PARAMETER = "tenant";

    public AccessProblems(AccessRefusals refusals, CurrentIdentityAssociation identities) {
        this.refusals = refusals;
        this.identities = identities;
    }

    /**
     * The tenant comes from the token only; a request that still names one, in the header or in the {@code tenant}
     * query parameter, must name the token's. Checked here, before any parameter is validated, so that a request
     * naming another tenant is refused (and audited) as such whatever else is wrong with it.
     */
    @ServerRequestFilter
    public Uni<Response> sameTenant(ContainerRequestContext request) {
        String header = request.getHeaderString(Caller.TENANT_HEADER);
        String query = request.getUriInfo().getQueryParameters().getFirst(TENANT_PARAMETER);
        String field = header != null ? Caller.TENANT_HEADER : TENANT_PARAMETER;
        String named = header != null ? header : query;
        if (named == null || named.isEmpty() && header == null) {
            return Uni.createFrom().nullItem();
        }
        return identities.getDeferredIdentity().chain(identity -> {
            if (identity.isAnonymous()) {
                // without a token the role check answers 401
                return Uni.createFrom().nullItem();
            }
            String own = Caller.tenantOf(identity);
            if (!named.equals(own)) {
                return crossTenant(identity, new CrossTenantException(field, named), request);
            }
            if (header != null && query != null && !query.isEmpty() && !query.equals(own)) {
                return crossTenant(identity, new CrossTenantException(TENANT_PARAMETER, query), request);
            }
            return Uni.createFrom().nullItem();
        });
    }

    /** No token at all (or one this service does not take, such as Basic). */
    @ServerExceptionMapper
    public Response missingToken(UnauthorizedException e, ContainerRequestContext request) {
        refusals.unauthenticated(presented(request) ? Unauthenticated.INVALID_TOKEN : Unauthenticated.MISSING_TOKEN);
        return unauthenticated();
    }

    /** A token that does not verify or names no tenant; which check failed is not told to the caller. */
    @ServerExceptionMapper
    public Response badToken(AuthenticationFailedException e, ContainerRequestContext request) {
        refusals.unauthenticated(causedBy(e, TenantClaimCheck.MissingTenantException.class)
                ? Unauthenticated.MISSING_TENANT
                : presented(request) ? Unauthenticated.INVALID_TOKEN : Unauthenticated.MISSING_TOKEN);
        return unauthenticated();
    }

    /**
     * Without a usable verification key (none configured, or the file or JWKS unreadable) SmallRye JWT cannot even
     * start checking a token: the call is refused like an unacceptable token (fail closed), and operators are told.
     */
    @ServerExceptionMapper
    public Response noVerificationKey(DeploymentException e) {
        if (e.getMessage() == null || !e.getMessage().startsWith("SRJWT")) {
            return ProblemMappers.internal(e);
        }
        if (!keyProblemLogged) {
            keyProblemLogged = true;
            LOG.errorf("Bearer tokens cannot be verified, every call is refused: %s", e.getMessage());
        }
        refusals.unauthenticated(Unauthenticated.NO_VERIFICATION_KEY);
        return unauthenticated();
    }

    /** An authenticated caller whose roles do not include one the endpoint allows. */
    @ServerExceptionMapper
    public Uni<Response> roleNotAllowed(ForbiddenException e, ContainerRequestContext request) {
        return identities.getDeferredIdentity().chain(identity -> {
            if (identity.isAnonymous()) {
                refusals.unauthenticated(Unauthenticated.MISSING_TOKEN);
                return Uni.createFrom().item(unauthenticated());
            }
            return refusals.forbidden(Caller.tenantOf(identity), Caller.subjectOf(identity), request.getMethod(),
                            request.getUriInfo().getPath(), AccessRefused.Reason.ROLE_NOT_ALLOWED, null)
                    .replaceWith(Problem.of(403, "role-not-allowed", "Forbidden",
                            "the caller's role does not allow this operation").response());
        });
    }

    /** An authenticated caller that named another tenant in a parameter or body field. */
    @ServerExceptionMapper
    public Uni<Response> namedAnotherTenant(CrossTenantException e, ContainerRequestContext request) {
        return identities.getDeferredIdentity().chain(identity -> crossTenant(identity, e, request));
    }

    private Uni<Response> crossTenant(SecurityIdentity identity, CrossTenantException e,
                                      ContainerRequestContext request) {
        Response answer = new Problem(Problem.BASE + "cross-tenant", "Forbidden", 403,
                "the request names a tenant other than the caller's",
                List.of(new Problem.FieldError(e.field(), "must be the caller's own tenant")), null).response();
        return refusals.forbidden(Caller.tenantOf(identity), Caller.subjectOf(identity), request.getMethod(),
                        request.getUriInfo().getPath(), AccessRefused.Reason.CROSS_TENANT, e.requestedTenant())
                .replaceWith(answer);
    }

    private static Response unauthenticated() {
        return Response.fromResponse(Problem.of(401, "unauthenticated", "Unauthorized",
                        "a valid bearer token naming the tenant is required").response())
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
    }

    private static boolean presented(ContainerRequestContext request) {
        return request.getHeaderString(HttpHeaders.AUTHORIZATION) != null;
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
