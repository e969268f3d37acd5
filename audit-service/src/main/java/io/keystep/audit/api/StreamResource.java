package io.keystep.audit.api;

import io.keystep.audit.domain.EventQuery;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.messaging.StoredEventBroadcast;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.util.Objects;

/**
 * Tails new rows of a tenant's trail live, as server-sent events, with the filters of the search. Only rows
 * stored from the moment of subscription; use the search for what came before.
 */
@Path("/v1/audit/stream")
@RolesAllowed(Roles.COMPLIANCE)
public class StreamResource {

    private final StoredEventBroadcast broadcast;
    private final Caller caller;

    public StreamResource(StoredEventBroadcast broadcast, Caller caller) {
        this.broadcast = broadcast;
        this.caller = caller;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<AuditEventView> stream(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                        @QueryParam("userId") String userId,
                                        @QueryParam("type") String type,
                                        @QueryParam("outcome") String outcome,
                                        @QueryParam("channel") String channel,
                                        @QueryParam("correlationId") String correlationId) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        EventQuery query = new EventFilters(userId, type, outcome, channel, correlationId, null, null, null)
                .query(tenant);
        return broadcast.rows().filter(row -> matches(query, row)).map(AuditEventView::of);
    }

    static boolean matches(EventQuery query, StoredEvent row) {
        return query.tenantId().equals(row.tenantId())
                && (query.userId() == null || query.userId().equals(row.userId()))
                && (query.type() == null || query.type().equals(row.type()))
                && (query.correlationId() == null || query.correlationId().equals(row.correlationId()))
                && (query.outcome() == null || query.outcome().equals(text(row, "outcome")))
                && (query.channel() == null || query.channel().equals(text(row, "channel"))
                || (row.payload().has("channelPlan") && query.channel().equals(row.payload().path("channelPlan").path(0).asText())));
    }

    private static String text(StoredEvent row, String field) {
        var node = row.payload().get(field);
        return node == null || node.isNull() ? null : Objects.toString(node.asText());
    }
}
