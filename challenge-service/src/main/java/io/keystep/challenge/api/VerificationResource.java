package io.keystep.challenge.api;

import io.keystep.challenge.domain.CheckStatus;
import io.keystep.challenge.domain.CodeChecker;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.regex.Pattern;

/** Checks the code a person typed against a challenge. */
@Path("/v1/verifications")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class VerificationResource {

    private static final Pattern CODE = Pattern.compile("[0-9]{4,10}");

    /** The code the person typed. */
    public record CheckRequest(String code) {
    }

    /**
     * The verification after the check.
     *
     * @param status approved, pending (wrong code), expired or max_attempts_reached
     */
    public record CheckResponse(String id, String status, int remainingAttempts) {
    }

    private final CodeChecker checker;

    public VerificationResource(CodeChecker checker) {
        this.checker = checker;
    }

    /**
     * Checks a code. A challenge approves once: checking it again answers 409 {@code already-used}.
     * Unknown ids and other tenants' ids answer 404 alike.
     */
    @POST
    @Path("/{id}/check")
    public Uni<CheckResponse> check(@HeaderParam(RequestChecks.TENANT_HEADER) String tenantHeader,
                                    @PathParam("id") String idParam, CheckRequest request) {
        String tenantId = RequestChecks.tenant(tenantHeader);
        String id = RequestChecks.opaqueId("id", idParam);
        if (request == null || request.code() == null) {
            throw ProblemException.invalid("code", "is required");
        }
        if (!CODE.matcher(request.code()).matches()) {
            throw ProblemException.invalid("code", "must be 4 to 10 digits");
        }
        return checker.check(tenantId, id, request.code()).map(result -> {
            if (result.status() == CheckStatus.NOT_FOUND) {
                throw ProblemException.notFound("verification " + id);
            }
            if (result.status() == CheckStatus.ALREADY_USED) {
                throw new ProblemException(Problem.of(409, "already-used", "Already used",
                        "verification " + id + " was already approved; a code works once"));
            }
            return new CheckResponse(id, result.status().wire(), result.remainingAttempts());
        });
    }
}
