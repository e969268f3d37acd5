package io.keystep.audit.api;

import io.keystep.audit.domain.EventQuery;
import io.keystep.kit.web.constraints.PrintableText;
import jakarta.ws.rs.QueryParam;

/**
 * The filters that search and export share, as query parameters; each optional.
 *
 * @param from from this time on (ISO-8601)
 * @param to   before this time, which must be after {@code from}
 * @param q    text the event's type or its (redacted) payload contains, ignoring case; {@code %} and {@code _} are
 *             matched as themselves
 */
@QueryParameterRules.FromBeforeTo
public record EventFilters(@QueryParam("userId") String userId,
                           @QueryParam("type") String type,
                           @QueryParam("outcome") String outcome,
                           @QueryParam("channel") String channel,
                           @QueryParam("correlationId") String correlationId,
                           @QueryParam("from") @QueryParameterRules.DateTime String from,
                           @QueryParam("to") @QueryParameterRules.DateTime String to,
                           @QueryParam("q") @PrintableText(min = 2, max = 100) String q) {

    /** The query of a tenant's events these valid filters ask for. */
    EventQuery query(String tenant) {
        return new EventQuery(tenant, RequestParameters.optional(userId), RequestParameters.optional(type),
                RequestParameters.optional(outcome), RequestParameters.optional(channel),
                RequestParameters.optional(correlationId), RequestParameters.instant(from),
                RequestParameters.instant(to), q, null);
    }
}
