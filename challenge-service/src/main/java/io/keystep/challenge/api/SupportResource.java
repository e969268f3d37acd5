package io.keystep.challenge.api;

import io.keystep.kit.web.constraints.PrintableText;
import io.keystep.kit.web.constraints.UserId;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import io.keystep.challenge.factors.Reenablement;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;

/**
 * Support actions on a user's factors, for support staff (or administrators) who followed the support runbook's
 * identity check: lifting a suspension (or lockout) after too many failed checks.
 */
@Path("/v1/users/{userId}/reenable")
@jakarta.annotation.security.RolesAllowed({Roles.SUPPORT, Roles.ADMIN})
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SupportResource {

    /**
     * Why the user is re-enabled, and how their identity was verified (the runbook step, for example
     * {@code video call with ID document}); both are kept in the audit trail verbatim, hence printable only.
     */
    public record ReenableRequest(
            @NotBlank(message = "is required")
            @PrintableText(min = 3, max = 500, trim = true, message = "must be 3 to 500 printable characters")
            String reason,
            @NotBlank(message = "is required")
            @PrintableText(min = 3, max = 200, trim = true, message = "must be 3 to 200 printable characters")
            String identityVerifiedBy) {
    }

    /** What was lifted: the suspension and/or the lockout that was in force until {@code lockedUntil}. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Reenabled(String userId, boolean wasSuspended, Instant wasLockedUntil) {
    }

    private final Reenablement reenablement;
    private final Caller caller;

    public SupportResource(Reenablement reenablement, Caller caller) {
        this.reenablement = reenablement;
        this.caller = caller;
    }

    /**
     * Re-enables a suspended or locked-out user: 200 with what was lifted, 409 {@code not-suspended} when neither
     * holds (nothing is published). Publishes {@code factor.changed.v1} REENABLED with who did it (the token's
     * subject), the reason and the identity check, and a notice to the user's other channels, before answering.
     */
    @POST
    public Uni<Reenabled> reenable(@PathParam("userId") @UserId String userId, @Valid ReenableRequest body) {
        String tenantId = caller.tenant();
        if (body == null) {
            throw new ProblemException(Problem.validation(java.util.List.of(
                    new Problem.FieldError("reason", "is required"),
                    new Problem.FieldError("identityVerifiedBy", "is required"))));
        }
        String reason = body.reason().trim();
        String verifiedBy = body.identityVerifiedBy().trim();
        return reenablement.reenable(tenantId, userId, "support",
                        "re-enabled by " + caller.subject() + ": " + reason + "; identity verified by: " + verifiedBy)
                .onFailure(e -> !(e instanceof ProblemException))
                .transform(io.keystep.challenge.domain.CheckUnavailableException::new)
                .map(lifted -> lifted.map(l -> new Reenabled(userId, l.suspended(), l.lockedUntil()))
                        .orElseThrow(() -> new ProblemException(Problem.of(409, "not-suspended", "Not suspended",
                                "user " + userId + " is neither suspended nor locked out"))));
    }
}
