package io.keystep.delivery.security;

import io.keystep.events.AccessRefused;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns the security layer's refusals into problem+json answers (and, for 403s, into access-refused events). */
public class AccessProblems {

    private final AccessRefusals refusals;
    private final CurrentIdentityAssociation identities;

    public AccessProblems(AccessRefusals refusals, CurrentIdentityAssociation identities) {
        this.refusals = refusals;
        this.identities = identities;
    }

    /** A token was sent but does not verify (signature, issuer, audience, expiry) or names no tenant. */
    @ServerExceptionMapper
    public Response invalidToken(AuthenticationFailedException e) {
        return refusals.unauthenticated("INVALID_TOKEN");
    }

    /** No token at all. */
    @ServerExceptionMapper
    public Response noToken(UnauthorizedException e) {
        return refusals.unauthenticated("MISSING_TOKEN");
    }

    /** Authenticated, but no role the operation allows. */
    @ServerExceptionMapper
    public Uni<Response> roleNotAllowed(ForbiddenException e, ContainerRequestContext request) {
        return identities.getDeferredIdentity().chain(identity -> identity.isAnonymous()
                ? Uni.createFrom().item(refusals.unauthenticated("MISSING_TOKEN"))
                : refusals.forbidden(identity, request.getMethod(), request.getUriInfo().getPath(),
                        AccessRefused.Reason.ROLE_NOT_ALLOWED, null));
    }
}
