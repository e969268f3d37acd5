package io.keystep.challenge.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.domain.VerificationRefused;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into {@code application/problem+json}; bad input never becomes a 500. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response unavailable(CheckUnavailableException e) {
        LOG.warn("check failed closed: " + rootMessage(e));
        return Response.fromResponse(respond(Problem.of(503, "unavailable", "Service unavailable",
                "the verification could not be checked; try again"))).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response refused(VerificationRefused e) {
        return switch (e.kind()) {
            case NOT_FOUND -> respond(Problem.of(404, "not-found", "Not found", e.getMessage()));
            case NOT_PENDING -> respond(Problem.of(409, "not-pending", "Verification not pending", e.getMessage()));
            case IDEMPOTENCY_MISMATCH -> respond(Problem.of(422, "idempotency-key-reused",
                    "Idempotency-Key reused", e.getMessage()));
            case IDEMPOTENCY_IN_FLIGHT -> respond(Problem.of(409, "idempotency-key-in-flight",
                    "Request in progress", e.getMessage()));
            case SEND_LIMITED -> withRetryAfter(respond(Problem.of(429, "send-limited", "Too many sends",
                    e.getMessage())), e.retryAfter());
            case LOCKED_OUT -> withRetryAfter(respond(new Problem("https://keystep.dev/problems/locked-out",
                    "Verification locked", 429, e.getMessage(), null, e.lockedUntil())), e.retryAfter());
            case NO_FACTOR -> respond(Problem.of(422, "no-factor", "No factor enrolled", e.getMessage()));
            case SUSPENDED -> respond(Problem.of(403, "factor-suspended", "Factor suspended", e.getMessage()));
            case INVALID_CODE -> respond(Problem.validation("code", e.getMessage()));
        };
    }

    private static Response withRetryAfter(Response response, java.time.Duration retryAfter) {
        long seconds = retryAfter == null ? 1 : Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return Response.fromResponse(response).header("Retry-After", Long.toString(seconds)).build();
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
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

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
