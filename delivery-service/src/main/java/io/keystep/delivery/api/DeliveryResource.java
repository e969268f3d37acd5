package io.keystep.delivery.api;

import io.keystep.delivery.store.DeliveryAttempts;
import io.keystep.events.Channel;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * Where a challenge's newest send stands on its channel plan, for SMS workers (role {@code worker}) that carry or
 * watch deliveries. Looked up within the caller's tenant only: another tenant's challenge is 404.
 */
@Path("/v1/deliveries/{challengeId}")
@RolesAllowed(Roles.WORKER)
public class DeliveryResource {

    private final DeliveryAttempts attempts;
    private final Caller caller;

    public DeliveryResource(DeliveryAttempts attempts, Caller caller) {
        this.attempts = attempts;
        this.caller = caller;
    }

    /**
     * A send's state; {@code channel} is the channel being tried, null once the plan is exhausted. Never the
     * destination or the code.
     */
    public record DeliveryState(String challengeId, int sendAttempt, List<Channel> plan, int step, Channel channel,
                                boolean delivered) {
    }

    @GET
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    public Uni<Response> state(@PathParam("challengeId") @Size(max = 128, message = "at most 128 characters")
                               String challengeId,
                               @HeaderParam("X-Tenant-Id") String claimedTenant) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, claimedTenant);
        return attempts.load(tenant, challengeId).map(found -> found
                .map(a -> Response.ok(new DeliveryState(challengeId, a.job().sendAttempt(), a.job().plan(), a.step(),
                        a.step() < a.job().plan().size() ? a.job().plan().get(a.step()) : null,
                        a.delivered())).build())
                .orElseGet(() -> Problem.of(404, "not-found", "Not found", "no delivery of challenge " + challengeId)
                        .response()));
    }
}
