package io.keystep.delivery.api;

import io.keystep.delivery.security.CallerTenant;
import io.keystep.delivery.store.DeliveryAttempts;
import io.keystep.events.Channel;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
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
@RolesAllowed("worker")
public class DeliveryResource {

    private final DeliveryAttempts attempts;
    private final SecurityIdentity identity;
    private final CallerTenant callerTenant;

    public DeliveryResource(DeliveryAttempts attempts, SecurityIdentity identity, CallerTenant callerTenant) {
        this.attempts = attempts;
        this.identity = identity;
        this.callerTenant = callerTenant;
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
    public Uni<Response> state(@PathParam("challengeId") String challengeId,
                               @HeaderParam("X-Tenant-Id") String claimedTenant) {
        return callerTenant.of(identity, "GET", "/v1/deliveries/" + challengeId, claimedTenant)
                .chain(tenant -> {
                    if (challengeId == null || challengeId.length() > 128) {
                        return Uni.createFrom().item(Problem.validation("challengeId", "at most 128 characters"));
                    }
                    return attempts.load(tenant, challengeId).map(found -> found
                            .map(a -> Response.ok(new DeliveryState(challengeId, a.job().sendAttempt(),
                                    a.job().plan(), a.step(),
                                    a.step() < a.job().plan().size() ? a.job().plan().get(a.step()) : null,
                                    a.delivered())).build())
                            .orElseGet(() -> Problem.response(404, "not-found", "Not found",
                                    "no delivery of challenge " + challengeId)));
                });
    }
}
