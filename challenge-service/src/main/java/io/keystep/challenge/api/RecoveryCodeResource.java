package io.keystep.challenge.api;

import io.keystep.kit.web.constraints.UserId;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import io.keystep.challenge.factors.RecoveryCodes;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** A user's recovery codes: generate (shown once), count, redeem. */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/users/{userId}/recovery-codes")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class RecoveryCodeResource {

    /** A new set: the codes are in this answer only. */
    public record GeneratedCodes(List<String> codes, int remaining) {
    }

    public record Remaining(int remaining) {
    }

    public record RedeemRequest(@NotNull(message = RECOVERY_CODE) @Pattern(regexp = "[A-Za-z2-7 -]{12,20}",
            message = RECOVERY_CODE) String code) {
    }

    private static final String RECOVERY_CODE = "must be a recovery code such as abcd-efgh-2345";

    private final RecoveryCodes codes;
    private final FactorChangeGate gate;
    private final Caller caller;

    public RecoveryCodeResource(RecoveryCodes codes, FactorChangeGate gate, Caller caller) {
        this.caller = caller;
        this.codes = codes;
        this.gate = gate;
    }

    /**
     * Generates a new set of 10; the old set stops working. It is authorised like adding a factor: a step-up (header
     * {@code Step-Up-Verification-Id}), a matured account recovery, or for a user without factors header
     * {@code First-Factor-Authenticated-At}.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> generate(@PathParam("userId") @UserId String userId,
                                  @HeaderParam(FactorResource.STEP_UP_HEADER) String stepUp,
                                  @HeaderParam(FactorChangeGate.FIRST_FACTOR_HEADER) String firstFactorAt) {
        String tenantId = caller.tenant();
        return gate.toAdd(tenantId, userId, stepUp, firstFactorAt, "recovery_codes")
                .chain(() -> codes.generate(tenantId, userId))
                .map(list -> Response.status(201)
                .entity(new GeneratedCodes(list, list.size())).header("Cache-Control", "no-store").build());
    }

    /** How many unused codes remain. */
    @GET
    public Uni<Remaining> remaining(@PathParam("userId") @UserId String userId) {
        String tenantId = caller.tenant();
        return codes.remaining(tenantId, userId).map(Remaining::new);
    }

    /**
     * Uses a code once; a wrong or used code → 422 {@code invalid-code}. Each user gets 10 checks per 15 minutes and
     * one at a time; beyond that → 429 {@code locked-out} with {@code Retry-After}, before any hash is computed.
     */
    @POST
    @Path("/redeem")
    public Uni<Remaining> redeem(@PathParam("userId") @UserId String userId, @Valid RedeemRequest body) {
        String tenantId = caller.tenant();
        if (body == null) {
            throw ProblemException.invalid("code", RECOVERY_CODE);
        }
        // Too many attempts, or another check of this user's codes under way: 429 with Retry-After, no hash computed.
        return codes.redeem(tenantId, userId, body.code()).map(r -> {
            if (!r.accepted()) {
                throw new ProblemException(Problem.of(422, "invalid-code", "Invalid recovery code",
                        "the code is not one of the user's unused recovery codes"));
            }
            return new Remaining(r.remaining());
        });
    }
}
