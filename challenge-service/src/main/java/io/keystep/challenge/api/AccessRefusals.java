package io.keystep.challenge.api;

import io.keystep.challenge.domain.Tenants;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.events.AccessRefused;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.time.Clock;

/**
 * Refuses callers and tells the audit trail. A missing or bad token (signature, issuer, audience, expiry, no
 * tenant claim) → 401 with {@code WWW-Authenticate: Bearer}, only counted: an unauthenticated flood must not
 * flood the trail. An authenticated caller naming another tenant ({@code X-Tenant-Id}) or lacking the role → 403,
 * published as {@link AccessRefused} before the answer. Every refusal is counted in {@code keystep.access.refused}
 * by reason.
 */
public class AccessRefusals {

    private static final Logger LOG = Logger.getLogger(AccessRefusals.class);
    static final String SERVICE = "challenge-service";

    private final CurrentIdentityAssociation identities;
    private final PlatformEvents publisher;
    private final MeterRegistry registry;
    private final Clock clock;

    public AccessRefusals(CurrentIdentityAssociation identities, PlatformEvents publisher,
                          MeterRegistry registry, Clock clock) {
        this.identities = identities;
        this.publisher = publisher;
        this.registry = registry;
        this.clock = clock;
    }

    /**
     * The tenant comes from the token only; a request that still names one ({@code X-Tenant-Id}, optional) must
     * name the token's. Checked for every endpoint, so no resource can forget it.
     */
    @ServerRequestFilter
    public Uni<Response> sameTenant(ContainerRequestContext request) {
        String named = request.getHeaderString(RequestChecks.TENANT_HEADER);
        if (named == null) {
            return Uni.createFrom().nullItem();
        }
        return identities.getDeferredIdentity().flatMap(identity -> {
            JsonWebToken token = token(identity);
            if (token == null) {
                return Uni.createFrom().nullItem(); // not authenticated: the role check answers 401
            }
            String tenant = TenantClaimCheck.tenantOf(token.getClaim(Caller.TENANT_CLAIM));
            if (named.equals(tenant)) {
                return Uni.createFrom().nullItem();
            }
            return refuse(token, tenant, request.getMethod(), request.getUriInfo().getPath(),
                    AccessRefused.Reason.CROSS_TENANT, Tenants.isValid(named) ? named : null,
                    "the request names a tenant other than the caller's");
        });
    }

    /** No token at all. */
    @ServerExceptionMapper
    public Response missingToken(UnauthorizedException e) {
        return unauthenticated("MISSING_TOKEN");
    }

    /** A token that is not ours, not for us, expired, malformed, or names no tenant. */
    @ServerExceptionMapper
    public Response badToken(AuthenticationFailedException e) {
        return unauthenticated(TenantClaimCheck.NO_TENANT.equals(e.getMessage()) ? "MISSING_TENANT" : "INVALID_TOKEN");
    }

    /** An authenticated caller whose roles do not include one the endpoint allows. */
    @ServerExceptionMapper
    public Uni<Response> roleNotAllowed(ForbiddenException e, ContainerRequestContext request) {
        return identities.getDeferredIdentity().flatMap(identity -> {
            JsonWebToken token = token(identity);
            if (token == null) {
                return Uni.createFrom().item(unauthenticated("MISSING_TOKEN"));
            }
            return refuse(token, TenantClaimCheck.tenantOf(token.getClaim(Caller.TENANT_CLAIM)),
                    request.getMethod(), request.getUriInfo().getPath(), AccessRefused.Reason.ROLE_NOT_ALLOWED, null,
                    "the caller's role does not allow this operation");
        });
    }

    private Uni<Response> refuse(JsonWebToken token, String tenant, String method, String path,
                                 AccessRefused.Reason reason, String requestedTenant, String detail) {
        count(reason.name());
        // typed by reason, with the same types as every service
        Response refusal = ProblemMappers.respond(Problem.of(403,
                reason == AccessRefused.Reason.CROSS_TENANT ? "cross-tenant" : "role-not-allowed", "Access refused",
                detail));
        String subject = token.getSubject() == null || token.getSubject().isBlank() ? "unknown" : token.getSubject();
        if (tenant == null) {
            return Uni.createFrom().item(refusal);
        }
        // The refusal stands whether or not the trail could be told; a Kafka failure only costs the event.
        return publisher.accessRefused(tenant,
                        new AccessRefused(subject, SERVICE, method, path, reason, requestedTenant))
                .onFailure().invoke(f -> LOG.warnf("access refusal (%s) not published: %s", reason, f.toString()))
                .onFailure().recoverWithNull()
                .replaceWith(refusal);
    }

    private Response unauthenticated(String reason) {
        count(reason);
        return Response.fromResponse(ProblemMappers.respond(Problem.of(401, "unauthenticated",
                        "Authentication required", "a valid bearer token for this service is required")))
                .header("WWW-Authenticate", "Bearer").build();
    }

    private void count(String reason) {
        Counter.builder("keystep.access.refused").description("Calls refused: no or bad token, role, tenant")
                .tag("reason", reason).register(registry).increment();
    }

    private static JsonWebToken token(SecurityIdentity identity) {
        return identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken t)
                ? null : t;
    }
}
