package io.keystep.audit.api;

import io.keystep.audit.store.LegalHold;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Legal holds: while a hold on a tenant or one of its users is active, retention deletes none of their rows. */
@Path("/v1/audit/holds")
@RolesAllowed(Roles.COMPLIANCE)
@Produces(MediaType.APPLICATION_JSON)
public class LegalHoldResource {

    private final Clock clock;
    private final Caller caller;

    public LegalHoldResource(Clock clock, Caller caller) {
        this.caller = caller;
        this.clock = clock;
    }

    /** A new hold; {@code userId} null holds the whole tenant. */
    public record HoldRequest(String userId, @NotBlank(message = "is required") String reason) {
    }

    public record HoldView(long id, String tenantId, String userId, String reason, Instant createdAt, Instant releasedAt) {
        static HoldView of(LegalHold hold) {
            return new HoldView(hold.id, hold.tenantId, hold.userId, hold.reason, hold.createdAt, hold.releasedAt);
        }
    }

    @POST
    public Uni<Response> place(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader, @Valid HoldRequest request) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        if (request == null) {
            throw ProblemException.invalid("reason", "is required");
        }
        LegalHold hold = new LegalHold();
        hold.tenantId = tenant;
        hold.userId = RequestParameters.optional(request.userId());
        hold.reason = request.reason().trim();
        hold.createdAt = clock.instant();
        return Panache.withTransaction(hold::persist)
                .map(saved -> Response.status(201).entity(HoldView.of(hold)).build());
    }

    @GET
    public Uni<List<HoldView>> list(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        return Panache.withSession(() -> LegalHold.<LegalHold>list("tenantId = ?1 order by id", tenant))
                .map(holds -> holds.stream().map(HoldView::of).toList());
    }

    @DELETE
    @Path("/{id}")
    public Uni<HoldView> release(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader, @PathParam("id")
                                 @Pattern(regexp = "\\s*[+-]?[0-9]{1,18}\\s*", message = "must be the id of a hold")
                                 String idParam) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        long id = Long.parseLong(idParam.trim());
        return Panache.withTransaction(() -> LegalHold.<LegalHold>findById(id).map(hold -> {
            if (hold == null || !hold.tenantId.equals(tenant)) {
                throw ProblemException.notFound("no hold " + id + " for this tenant");
            }
            if (hold.releasedAt == null) {
                hold.releasedAt = clock.instant();
            }
            return HoldView.of(hold);
        }));
    }
}
