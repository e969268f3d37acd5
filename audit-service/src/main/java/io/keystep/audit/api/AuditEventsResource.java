package io.keystep.audit.api;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.EventQuery;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.TenantSettingsStore;
import io.keystep.audit.domain.AuditSettings;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.List;
import java.util.UUID;

/**
 * Search of a tenant's audit trail, newest first. The body is a JSON array; when more rows match, the
 * {@code X-Next-Cursor} header (and a {@code Link: rel="next"}) gives the cursor of the next page. One event is read
 * by its id.
 */
@Path("/v1/audit/events")
@RolesAllowed(Roles.COMPLIANCE)
@Produces(MediaType.APPLICATION_JSON)
public class AuditEventsResource {

    private final AuditEventStore store;
    private final AuditConfig config;
    private final Caller caller;
    private final TenantSettingsStore settings;

    public AuditEventsResource(AuditEventStore store, AuditConfig config, Caller caller, TenantSettingsStore settings) {
        this.settings = settings;
        this.store = store;
        this.config = config;
        this.caller = caller;
    }

    @GET
    public Uni<Response> search(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                @BeanParam @Valid EventFilters filters,
                                @QueryParam("cursor") @QueryParameterRules.Cursor String cursor,
                                @QueryParam("limit") @QueryParameterRules.PageLimit String limitParam,
                                @Context UriInfo uri) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        EventQuery query = filters.query(tenant).withBefore(RequestParameters.position(cursor));
        Integer asked = RequestParameters.limit(limitParam);
        // without a limit, the tenant's page size (audit settings)
        return pageSize(settings, tenant, asked).chain(limit -> store.search(query, limit + 1).map(rows -> {
            List<StoredEvent> page = rows.size() > limit ? rows.subList(0, limit) : rows;
            Response.ResponseBuilder response = Response.ok(page.stream().map(AuditEventView::of).toList());
            if (rows.size() > limit) {
                StoredEvent last = page.get(page.size() - 1);
                String next = RequestParameters.cursor(new EventQuery.Position(last.occurredAt(), last.eventId()));
                response.header("X-Next-Cursor", next)
                        .link(uri.getRequestUriBuilder().replaceQueryParam("cursor", next).build(), "next");
            }
            return response.build();
        }));
    }

    /**
     * One event of the caller's tenant. 404 when the tenant has no event of that id, the same answer whether or not
     * another tenant has one, so that an id tells nothing about other tenants.
     */
    @GET
    @Path("{eventId}")
    public Uni<AuditEventView> event(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                     @PathParam("eventId") @Pattern(regexp = UUID_PATTERN, message = "must be a UUID")
                                     String eventId) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        return store.event(tenant, UUID.fromString(eventId)).map(row -> {
            if (row == null) {
                throw ProblemException.notFound("no event " + eventId + " in the tenant's trail");
            }
            return AuditEventView.of(row);
        });
    }

    static final String UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

    /** The {@code limit} asked for (null: none), else the tenant's {@code searchDefaultLimit}. */
    static Uni<Integer> pageSize(TenantSettingsStore settings, String tenant, Integer asked) {
        if (asked != null) {
            return Uni.createFrom().item(asked);
        }
        return settings.settingsOf(tenant).map(AuditSettings::searchDefaultLimit);
    }
}
