package io.keystep.challenge.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.challenge.factors.EnrollmentNudges;
import io.keystep.challenge.factors.Passkeys;
import io.keystep.challenge.factors.RecoveryCodes;
import io.keystep.challenge.store.PasskeyCredentials;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.PrintableText;
import io.keystep.kit.web.constraints.UserId;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;

/**
 * A user's passkeys and security keys (WebAuthn). Registration takes two calls: the options (a factor change, so a
 * step-up on a factor the user has, a matured account recovery, or for a user without any factor the gateway's word
 * that the first factor was just passed), then the browser's response. Renaming, preferring and removing go through
 * {@code /v1/users/{userId}/factors/{factorId}} like every factor.
 */
@RolesAllowed(Roles.GATEWAY)
@Path("/v1/users/{userId}/passkeys")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PasskeyResource {

    /** The name the browser shows for the account while the passkey is created; the user id when absent. */
    public record RegistrationRequest(@PrintableText(max = 64) String displayName) {
    }

    /** {@code publicKey}: the options to hand to {@code navigator.credentials.create()} (JSON form). */
    public record RegistrationOptions(Passkeys.CreationOptions publicKey) {
    }

    /**
     * The browser's registration response ({@code PublicKeyCredential.toJSON()}) and the name the user gives the
     * passkey.
     */
    public record RegisterRequest(
            @jakarta.validation.constraints.NotNull(message = "is required: the browser's registration response")
            JsonNode credential,
            @FactorRequests.Label String label) {
    }

    /**
     * A registered passkey (its public key stays on the server). {@code backupEligible}: it can be synced to the
     * user's other devices; {@code cloneSuspectedAt}: when a sign count that did not move forward was seen.
     * {@code recoveryCodes}, on the user's first strong factor only, are shown this once.
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record PasskeyView(String factorId, String type, String label, String aaguid, boolean userVerified,
                              boolean backupEligible, boolean backedUp, List<String> transports,
                              String attestationFormat, Instant createdAt, Instant lastUsedAt,
                              Instant cloneSuspectedAt, List<String> recoveryCodes) {

        static PasskeyView of(PasskeyCredentials.Stored c) {
            return new PasskeyView(c.factorId().toString(), "passkey", c.label(), c.aaguid().toString(),
                    c.uvInitialized(), c.backupEligible(), c.backedUp(), c.transports(), c.attestationFormat(),
                    c.createdAt(), c.lastUsedAt(), c.cloneSuspectedAt(), null);
        }

        PasskeyView withRecoveryCodes(List<String> codes) {
            return new PasskeyView(factorId, type, label, aaguid, userVerified, backupEligible, backedUp, transports,
                    attestationFormat, createdAt, lastUsedAt, cloneSuspectedAt, codes);
        }
    }

    private final Passkeys passkeys;
    private final PasskeyCredentials credentials;
    private final FactorChangeGate gate;
    private final RecoveryCodes recoveryCodes;
    private final EnrollmentNudges nudges;
    private final Caller caller;

    public PasskeyResource(Passkeys passkeys, PasskeyCredentials credentials, FactorChangeGate gate,
                           RecoveryCodes recoveryCodes, EnrollmentNudges nudges, Caller caller) {
        this.passkeys = passkeys;
        this.credentials = credentials;
        this.gate = gate;
        this.recoveryCodes = recoveryCodes;
        this.nudges = nudges;
        this.caller = caller;
    }

    /**
     * Starts a registration: answers the creation options, with a single-use challenge valid for five minutes and the
     * user's passkeys excluded. Spends the step-up (or account recovery) it is authorised by.
     */
    @POST
    @Path("/registration")
    public Uni<RegistrationOptions> registration(@PathParam("userId") @UserId String userId,
                                                 @HeaderParam(FactorChangeGate.STEP_UP_HEADER) String stepUp,
                                                 @HeaderParam(FactorChangeGate.FIRST_FACTOR_HEADER) String firstFactorAt,
                                                 @Valid RegistrationRequest body) {
        String tenantId = caller.tenant();
        String displayName = body == null || body.displayName() == null ? null : body.displayName().trim();
        // The tenant's relying party is checked first: a tenant without one spends no step-up on a registration
        // that cannot happen.
        return FactorChangeGate.failClosed(passkeys.policy(tenantId))
                .chain(() -> gate.toAdd(tenantId, userId, stepUp, firstFactorAt, "passkey"))
                .chain(() -> FactorChangeGate.failClosed(passkeys.registrationOptions(tenantId, userId, displayName)))
                .map(RegistrationOptions::new);
    }

    /**
     * Completes the registration under way with the browser's response: verified, stored, and announced on the
     * user's other channels. The user's first strong factor comes with recovery codes.
     */
    @POST
    public Uni<Response> register(@PathParam("userId") @UserId String userId, @Valid RegisterRequest body) {
        String tenantId = caller.tenant();
        if (body == null || body.credential() == null) {
            throw ProblemException.invalid("credential", "is required: the browser's registration response");
        }
        if (!body.credential().isObject()) {
            throw ProblemException.invalid("credential", "must be the browser's registration response, an object");
        }
        return FactorChangeGate.failClosed(passkeys.register(tenantId, userId, body.credential().toString(),
                        body.label()))
                .call(stored -> nudges.enrolled(tenantId, userId, "passkey"))
                .flatMap(stored -> recoveryCodes.exist(tenantId, userId).flatMap(exist -> exist
                        ? Uni.createFrom().item(PasskeyView.of(stored))
                        : recoveryCodes.generate(tenantId, userId).map(PasskeyView.of(stored)::withRecoveryCodes)))
                .map(view -> Response.status(201).header("Cache-Control", "no-store").entity(view).build());
    }

    /** The user's passkeys, with what the authenticators reported of themselves. */
    @GET
    public Uni<List<PasskeyView>> list(@PathParam("userId") @UserId String userId) {
        String tenantId = caller.tenant();
        return FactorChangeGate.failClosed(credentials.ofUser(tenantId, userId))
                .map(all -> all.stream().map(PasskeyView::of).toList());
    }
}
