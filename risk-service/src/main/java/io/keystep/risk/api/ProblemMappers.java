package io.keystep.risk.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.keystep.events.AccessRefused;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/**
 * Turns every failure into {@code application/problem+json}: 401 (with {@code WWW-Authenticate: Bearer}) for a
 * missing or unacceptable token, 403 for a role not allowed (published as an access refusal), 400 naming the bad
 * fields for bad input; bad input never becomes a 500.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final AccessRefusals refusals;
    private volatile boolean keyProblemLogged;
    private final CurrentIdentityAssociation identities;

    public ProblemMappers(AccessRefusals refusals, CurrentIdentityAssociation identities) {
        this.refusals = refusals;
        this.identities = identities;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response noToken(UnauthorizedException e) {
        refusals.unauthenticated(AccessRefusals.Unauthenticated.MISSING_TOKEN);
        return unauthorized("Bearer", "a bearer token is required");
    }

    @ServerExceptionMapper
    public Response badToken(AuthenticationFailedException e) {
        if (causedBy(e, TenantClaimCheck.MissingTenantException.class)) {
            refusals.unauthenticated(AccessRefusals.Unauthenticated.MISSING_TENANT);
            return unauthorized("Bearer error=\"invalid_token\"", "the token names no valid tenant");
        }
        refusals.unauthenticated(AccessRefusals.Unauthenticated.INVALID_TOKEN);
        // Which check failed (signature, issuer, audience, expiry) is not told to the caller.
        return unauthorized("Bearer error=\"invalid_token\"", "the bearer token is not acceptable");
    }

    /**
     * Without a usable verification key (none configured, or the file or JWKS unreadable) SmallRye JWT cannot even
     * start checking a token: the call is refused like an unacceptable token (fail closed), and operators are told.
     */
    @ServerExceptionMapper
    public Response noVerificationKey(DeploymentException e) {
        if (e.getMessage() == null || !e.getMessage().startsWith("SRJWT")) {
            return unexpected(e);
        }
        if (!keyProblemLogged) {
            keyProblemLogged = true;
            LOG.errorf("Bearer tokens cannot be verified, every call is refused: %s", e.getMessage());
        }
        refusals.unauthenticated(AccessRefusals.Unauthenticated.NO_VERIFICATION_KEY);
        return unauthorized("Bearer error=\"invalid_token\"", "the bearer token is not acceptable");
    }

    @ServerExceptionMapper
    public Uni<Response> forbidden(ForbiddenException e, HttpServerRequest request) {
        Response answer = respond(Problem.of(403, "role-not-allowed", "Forbidden",
                "the caller's role does not allow this operation"));
        return identities.getDeferredIdentity().chain(identity -> identity.isAnonymous()
                ? Uni.createFrom().item(answer)
                : refusals.forbidden(Caller.of(identity), request.method().name(), request.path(),
                        AccessRefused.Reason.ROLE_NOT_ALLOWED, null).replaceWith(answer));
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return respond(Problem.validation(field, "has a value of the wrong type"));
        }
        return respond(Problem.validation("body", "not valid JSON for this request"));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status == 400) {
            return respond(Problem.validation("body", "unreadable request"));
        }
        String title = Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        return respond(Problem.of(status, "http-" + status, title, title));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("unexpected failure", e);
        return respond(Problem.of(500, "internal", "Internal error", "the request could not be completed"));
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static Response unauthorized(String challenge, String detail) {
        return Response.fromResponse(respond(Problem.of(401, "unauthenticated", "Unauthorized", detail)))
                .header("WWW-Authenticate", challenge).build();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
