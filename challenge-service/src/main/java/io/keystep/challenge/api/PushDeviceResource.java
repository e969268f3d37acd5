package io.keystep.challenge.api;

import io.keystep.challenge.factors.PushApprovals;
import io.keystep.challenge.store.PushDevices;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.UserId;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
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
import java.util.Base64;
import java.util.List;

/**
 * A user's devices paired for push approval, as the gateway manages them: a pairing link (a factor change, so a
 * step-up on a factor the user has, or for a user without any factor the gateway's word that the first factor was
 * just passed) and the list. Renaming, preferring and removing go through {@code /v1/users/{userId}/factors} like
 * every factor.
 */
@RolesAllowed(Roles.GATEWAY)
@Path("/v1/users/{userId}/push-devices")
@Produces(MediaType.APPLICATION_JSON)
public class PushDeviceResource {

    /**
     * A pairing link: the app opens {@code pairingUrl} (or scans {@code qrCode}, a PNG, base64) once, before
     * {@code expiresAt}.
     */
    public record PairingLink(String pairingUrl, String qrCode, Instant expiresAt) {
    }

    /** A paired device; {@code reachable} is false once its provider said its push token is dead. */
    public record DeviceView(String deviceId, String name, String platform, boolean reachable, boolean preferred,
                             Instant createdAt, Instant lastUsedAt) {
        static DeviceView of(PushDevices.Device d) {
            return new DeviceView(d.deviceId().toString(), d.name(), d.platform(), d.reachable(), d.preferred(),
                    d.createdAt(), d.lastUsedAt());
        }
    }

    private final PushApprovals pushes;
    private final PushDevices devices;
    private final FactorChangeGate gate;
    private final Caller caller;

    public PushDeviceResource(PushApprovals pushes, PushDevices devices, FactorChangeGate gate, Caller caller) {
        this.pushes = pushes;
        this.devices = devices;
        this.gate = gate;
        this.caller = caller;
    }

    /** Opens a pairing link for the user; spends the step-up (or account recovery) it is authorised by. */
    @POST
    @Path("/pairing")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> pairing(@PathParam("userId") @UserId String userId,
                                 @HeaderParam(FactorChangeGate.STEP_UP_HEADER) String stepUp,
                                 @HeaderParam(FactorChangeGate.FIRST_FACTOR_HEADER) String firstFactorAt) {
        String tenantId = caller.tenant();
        return gate.toAdd(tenantId, userId, stepUp, firstFactorAt, "push")
                .chain(() -> FactorChangeGate.failClosed(pushes.openPairing(tenantId, userId)))
                .map(link -> Response.status(201).header("Cache-Control", "no-store").entity(new PairingLink(link.url(),
                        Base64.getEncoder().encodeToString(link.qrPng()), link.expiresAt())).build());
    }

    /** The user's paired devices, the preferred first. */
    @GET
    public Uni<List<DeviceView>> list(@PathParam("userId") @UserId String userId) {
        String tenantId = caller.tenant();
        return FactorChangeGate.failClosed(devices.ofUser(tenantId, userId))
                .map(all -> all.stream().map(DeviceView::of).toList());
    }
}
