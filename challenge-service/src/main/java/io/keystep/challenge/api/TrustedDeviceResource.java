package io.keystep.challenge.api;

import io.keystep.kit.web.constraints.OneOf;
import io.keystep.kit.web.constraints.UserId;
import jakarta.validation.constraints.NotNull;
import io.keystep.challenge.factors.TrustedDevices;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;

/** A user's trusted devices: list and revoke (risk-service stops treating a revoked device as known). */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/users/{userId}/trusted-devices")
@Produces(MediaType.APPLICATION_JSON)
public class TrustedDeviceResource {

    /** A trusted device (never its token). */
    public record DeviceView(String deviceId, String label, Instant createdAt, Instant expiresAt) {
    }

    private static final String REASONS =
            "must be one of password_changed, signed_out_everywhere, compromise_suspected";

    private final TrustedDevices devices;
    private final Caller caller;
    private final io.quarkus.security.identity.SecurityIdentity identity;

    public TrustedDeviceResource(TrustedDevices devices, Caller caller,
                                 io.quarkus.security.identity.SecurityIdentity identity) {
        this.caller = caller;
        this.devices = devices;
        this.identity = identity;
    }

    @GET
    public Uni<List<DeviceView>> list(@PathParam("userId") @UserId String userId) {
        String tenantId = caller.tenant();
        return devices.active(tenantId, userId).map(all -> all.stream()
                .map(d -> new DeviceView(d.id.toString(), d.label, d.createdAt, d.expiresAt)).toList());
    }

    /** How many devices a revocation of all of them revoked. */
    public record Revoked(int revoked) {
    }

    /**
     * Revokes every trusted device of the user, for example when the password changed: 200 with how many. The
     * reason ({@code password_changed}, {@code signed_out_everywhere} or {@code compromise_suspected}) is required
     * and goes into the trail; the user is notified on their other channels once.
     */
    @DELETE
    public Uni<Revoked> revokeAll(@PathParam("userId") @UserId String userId,
                                  @jakarta.ws.rs.QueryParam("reason") @NotNull(message = REASONS)
                                  @OneOf(value = {"password_changed", "signed_out_everywhere", "compromise_suspected"},
                                          message = REASONS) String reason) {
        String tenantId = caller.tenant();
        return devices.revokeAllOnRequest(tenantId, userId, reason).map(Revoked::new);
    }

    /**
     * Revokes one device: 204, or 404 when unknown or revoked already. The gateway revokes at the user's request;
     * support (or an administrator) on its own word, and the trail's DEVICE_REVOKED names support and who.
     */
    @DELETE
    @Path("/{deviceId}")
    @jakarta.annotation.security.RolesAllowed({Roles.GATEWAY, Roles.SUPPORT, Roles.ADMIN})
    public Uni<Response> revoke(@PathParam("userId") @UserId String userId, @PathParam("deviceId") String deviceIdParam) {
        String tenantId = caller.tenant();
        java.util.UUID deviceId = FactorResource.factorId(deviceIdParam);
        boolean support = identity.hasRole(Roles.SUPPORT) || identity.hasRole(Roles.ADMIN);
        Uni<Boolean> revocation = support ? devices.revokeBySupport(tenantId, userId, deviceId, caller.subject())
                : devices.revoke(tenantId, userId, deviceId);
        return revocation.map(revoked -> {
            if (!revoked) {
                throw ProblemException.notFound("trusted device " + deviceId + " not found");
            }
            return Response.noContent().build();
        });
    }
}
