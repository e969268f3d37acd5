package io.keystep.audit.api;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.EventQuery;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * One user's events in the order they happened — logins, risk decisions, challenges, deliveries, verifications,
 * factor changes and dead letters — for support and compliance. Oldest first, paged by {@code X-Next-Cursor}.
 */
@Path("/v1/audit/users/{userId}/timeline")
@Produces(MediaType.APPLICATION_JSON)
public class TimelineResource {

    private final AuditEventStore store;
    private final AuditConfig config;

    public TimelineResource(AuditEventStore store, AuditConfig config) {
        this.store = store;
        this.config = config;
    }

    @GET
    public Uni<Response> timeline(@HeaderParam("X-Tenant-Id") String tenantHeader, @PathParam("userId") String userId,
                                  @QueryParam("from") String from, @QueryParam("to") String to,
                                  @QueryParam("limit") String limitParam, @QueryParam("cursor") String cursor) {
        String tenant = RequestParameters.tenant(tenantHeader);
        int limit = RequestParameters.limit(limitParam, config.query().defaultLimit(), config.query().maxLimit());
        EventQuery.Position after = RequestParameters.position(cursor);
        return store.timeline(tenant, userId, RequestParameters.instant("from", from), RequestParameters.instant("to", to),
                after, limit + 1).map(rows -> {
                    List<StoredEvent> page = rows.size() > limit ? rows.subList(0, limit) : rows;
                    Response.ResponseBuilder response = Response.ok(page.stream().map(AuditEventView::of).toList());
                    if (rows.size() > limit) {
                        StoredEvent last = page.get(page.size() - 1);
                        response.header("X-Next-Cursor",
                                RequestParameters.cursor(new EventQuery.Position(last.occurredAt(), last.eventId())));
                    }
                    return response.build();
                });
    }
}
