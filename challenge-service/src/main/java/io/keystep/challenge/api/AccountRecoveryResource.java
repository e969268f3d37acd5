package io.keystep.challenge.api;

import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.factors.AccountRecoveries;
import io.keystep.challenge.store.AccountRecoveryRepository.Recovery;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.UserId;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Account recovery when a user lost every factor (docs/operations.md, "Account recovery"): support ({@code support}
 * or {@code admin}) opens it after the runbook's identity check, a compliance officer approves it, it waits the tenant's delay, during
 * which the user is told on every channel and can cancel it with a factor left; then one factor may be enrolled
 * without step-up.
 */
@Path("/v1/users/{userId}/account-recoveries")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AccountRecoveryResource {

    private static final String TICKET = "must be the support ticket that records the identity check:"
            + " 1-128 letters, digits and ._:#/-";

    /** Opens a recovery; {@code ticket} names the support case whose identity check the runbook recorded. */
    public record OpenRequest(@NotNull(message = TICKET) @Pattern(regexp = "[A-Za-z0-9._:#/-]{1,128}",
            message = TICKET) String ticket) {
    }

    /**
     * A recovery: {@code awaiting_approval}, {@code waiting} (until {@code maturesAt}), {@code ready} (matured,
     * until {@code expiresAt}), {@code used}, {@code canceled} or {@code lapsed}.
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record RecoveryView(String recoveryId, String userId, String status, String ticket, String openedBy,
                               Instant openedAt, String approvedBy, Instant approvedAt, Instant maturesAt,
                               Instant expiresAt, String closedBy, Instant closedAt) {
    }

    private final AccountRecoveries recoveries;
    private final FactorChangeGate gate;
    private final Caller caller;
    private final SecurityIdentity identity;

    public AccountRecoveryResource(AccountRecoveries recoveries, FactorChangeGate gate, Caller caller,
                                   SecurityIdentity identity) {
        this.recoveries = recoveries;
        this.gate = gate;
        this.caller = caller;
        this.identity = identity;
    }

    /**
     * Support opens a recovery after the runbook's identity check: 201, or 409 when one is open already. The trail
     * keeps who opened it (the token's subject), who therefore cannot approve it.
     */
    @POST
    @RolesAllowed({Roles.SUPPORT, Roles.ADMIN})
    public Uni<Response> open(@PathParam("userId") @UserId String userId, @Valid OpenRequest body) {
        String tenantId = caller.tenant();
        if (body == null) {
            throw ProblemException.invalid("ticket", TICKET);
        }
        return FactorChangeGate.failClosed(recoveries.open(tenantId, userId, body.ticket(), caller.subject())).map(opened -> {
            Recovery r = opened.orElseThrow(() -> new ProblemException(Problem.of(409, "recovery-open",
                    "Recovery already open", "user " + userId + " already has an open account recovery")));
            return Response.status(201).entity(view(r)).build();
        });
    }

    /** A compliance officer other than who opened it approves: the waiting period starts. */
    @POST
    @Path("/{recoveryId}/approve")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Roles.COMPLIANCE)
    public Uni<RecoveryView> approve(@PathParam("userId") @UserId String userId,
                                     @PathParam("recoveryId") String recoveryId) {
        String tenantId = caller.tenant();
        UUID id = FactorResource.factorId(recoveryId);
        String approver = caller.subject();
        return FactorChangeGate.failClosed(recoveries.approve(tenantId, userId, id, approver)).flatMap(approved -> approved.isPresent()
                ? Uni.createFrom().item(view(approved.get()))
                : found(tenantId, userId, id).map(r -> {
                    if (r.openedBy().equals(approver)) {
                        throw new ProblemException(Problem.of(403, "second-approver-required",
                                "Second approver required", "who opened a recovery cannot approve it"));
                    }
                    throw new ProblemException(Problem.of(409, "not-awaiting-approval", "Not awaiting approval",
                            "recovery " + id + " is " + recoveries.statusOf(r)));
                }));
    }

    /**
     * Cancels an open recovery: support may; the user may with a factor left (the gateway presents the step-up,
     * header {@code Step-Up-Verification-Id}), which is how an impostor's recovery is stopped.
     */
    @DELETE
    @Path("/{recoveryId}")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed({Roles.SUPPORT, Roles.ADMIN, Roles.GATEWAY})
    public Uni<RecoveryView> cancel(@PathParam("userId") @UserId String userId,
                                    @PathParam("recoveryId") String recoveryId,
                                    @HeaderParam(FactorChangeGate.STEP_UP_HEADER) String stepUp) {
        String tenantId = caller.tenant();
        UUID id = FactorResource.factorId(recoveryId);
        boolean support = identity.hasRole(Roles.SUPPORT) || identity.hasRole(Roles.ADMIN);
        Uni<String> by = support ? Uni.createFrom().item(caller.subject())
                : gate.toChange(tenantId, userId, stepUp, "canceling an account recovery").map(how -> "user (" + how + ")");
        return by.flatMap(who -> FactorChangeGate.failClosed(recoveries.cancel(tenantId, userId, id, who)))
                .flatMap(canceled -> canceled.isPresent() ? Uni.createFrom().item(view(canceled.get()))
                        : found(tenantId, userId, id).map(r -> {
                            throw new ProblemException(Problem.of(409, "not-open", "Not open",
                                    "recovery " + id + " is " + recoveries.statusOf(r)));
                        }));
    }

    @GET
    @Path("/{recoveryId}")
    @RolesAllowed({Roles.SUPPORT, Roles.ADMIN, Roles.COMPLIANCE, Roles.GATEWAY})
    public Uni<RecoveryView> get(@PathParam("userId") @UserId String userId,
                                 @PathParam("recoveryId") String recoveryId) {
        String tenantId = caller.tenant();
        return found(tenantId, userId, FactorResource.factorId(recoveryId)).map(this::view);
    }

    private Uni<Recovery> found(String tenantId, String userId, UUID id) {
        return FactorChangeGate.failClosed(recoveries.find(tenantId, userId, id)).map((Optional<Recovery> r) -> r.orElseThrow(
                () -> ProblemException.notFound("account recovery " + id + " not found")));
    }

    private RecoveryView view(Recovery r) {
        return view(r, recoveries.statusOf(r));
    }

    static RecoveryView view(Recovery r, String status) {
        return new RecoveryView(r.id().toString(), r.userId(), status, r.ticket(), r.openedBy(), r.openedAt(),
                r.approvedBy(), r.approvedAt(), r.maturesAt(), r.expiresAt(), r.closedBy(), r.closedAt());
    }
}
