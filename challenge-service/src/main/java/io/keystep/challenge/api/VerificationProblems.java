package io.keystep.challenge.api;

import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.kit.web.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.time.Duration;

/**
 * The answers only challenge-service gives: a verification refused (404/409/422/429, with {@code Retry-After} and
 * {@code locked_until} where the caller has to wait) and a check that could not be made (503, fail closed). Every
 * other failure is answered by the service kit's mappers.
 */
public class VerificationProblems {

    private static final Logger LOG = Logger.getLogger(VerificationProblems.class);

    @ServerExceptionMapper
    public Response unavailable(CheckUnavailableException e) {
        LOG.warn("check failed closed: " + rootMessage(e));
        return Response.fromResponse(Problem.of(503, "unavailable", "Service unavailable",
                "the verification could not be checked; try again").response()).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response refused(VerificationRefused e) {
        return switch (e.kind()) {
            case NOT_FOUND -> Problem.of(404, "not-found", "Not found", e.getMessage()).response();
            case NOT_PENDING -> Problem.of(409, "not-pending", "Verification not pending", e.getMessage()).response();
            case IDEMPOTENCY_MISMATCH -> Problem.of(422, "idempotency-key-reused", "Idempotency-Key reused",
                    e.getMessage()).response();
            case IDEMPOTENCY_IN_FLIGHT -> Problem.of(409, "idempotency-key-in-flight", "Request in progress",
                    e.getMessage()).response();
            case SEND_LIMITED -> withRetryAfter(Problem.of(429, "send-limited", "Too many sends", e.getMessage()),
                    e.retryAfter());
            case LOCKED_OUT -> withRetryAfter(Problem.of(429, "locked-out", "Verification locked", e.getMessage())
                    .lockedUntil(e.lockedUntil()), e.retryAfter());
            case NO_FACTOR -> Problem.of(422, "no-factor", "No factor enrolled", e.getMessage()).response();
            case SUSPENDED -> Problem.of(403, "factor-suspended", "Factor suspended", e.getMessage()).response();
            case INVALID_CODE -> Problem.validation("code", e.getMessage()).response();
        };
    }

    private static Response withRetryAfter(Problem problem, Duration retryAfter) {
        long seconds = retryAfter == null ? 1 : Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return Response.fromResponse(problem.response()).header("Retry-After", Long.toString(seconds)).build();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
