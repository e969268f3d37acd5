package io.keystep.audit.api;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.EventQuery;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.TenantSettingsStore;
import java.time.Instant;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.Caller;

import java.util.List;

/**
 * One user's events in the order they happened — logins, risk decisions, challenges, deliveries, verifications,
 * factor changes and dead letters — for support and compliance (roles {@code support} and {@code compliance}: support
 * staff read the user they help, not the trail at large). Oldest first, paged by {@code X-Next-Cursor}.
 */
@Path("/v1/audit/users/{userId}/timeline")
@RolesAllowed({Roles.COMPLIANCE, Roles.SUPPORT})
@Produces(MediaType.APPLICATION_JSON)
public class TimelineResource {

    private final AuditEventStore store;
    private final AuditConfig config;
    private final Caller caller;
    private final TenantSettingsStore settings;

    public TimelineResource(AuditEventStore store, AuditConfig config, Caller caller, TenantSettingsStore settings) {
        this.settings = settings;
        this.caller = caller;
        this.store = store;
        this.config = config;
    }

    @GET
    public Uni<Response> timeline(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader, @PathParam("userId") String userId,
                                  @QueryParam("from") @QueryParameterRules.DateTime String from,
                                  @QueryParam("to") @QueryParameterRules.DateTime String to,
                                  @QueryParam("limit") @QueryParameterRules.PageLimit String limitParam,
                                  @QueryParam("cursor") @QueryParameterRules.Cursor String cursor) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        Instant fromInstant = RequestParameters.instant(from);
        Instant toInstant = RequestParameters.instant(to);
        Integer asked = RequestParameters.limit(limitParam);
        EventQuery.Position after = RequestParameters.position(cursor);
        return AuditEventsResource.pageSize(settings, tenant, asked).chain(limit -> store.timeline(tenant,
                userId, fromInstant, toInstant, after, limit + 1).map(rows -> {
                    List<StoredEvent> page = rows.size() > limit ? rows.subList(0, limit) : rows;
                    Response.ResponseBuilder response = Response.ok(page.stream().map(AuditEventView::of).toList());
                    if (rows.size() > limit) {
                        StoredEvent last = page.get(page.size() - 1);
                        response.header("X-Next-Cursor",
                                RequestParameters.cursor(new EventQuery.Position(last.occurredAt(), last.eventId())));
                    }
                    return response.build();
                }));
    }
}
