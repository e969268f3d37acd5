package io.keystep.console.screens;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.console.session.CurrentSession;
import io.keystep.console.session.Session;
import io.keystep.console.web.Api;
import io.keystep.console.web.Api.Service;
import io.keystep.console.web.AuditStream;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compliance team's screens, over audit-service: search the trail, an event's detail, a user's timeline, the
 * live tail, the chain's verification with its checkpoints, legal holds, and exports of what a search shows.
 */
@Path("/compliance")
@Produces(MediaType.TEXT_HTML)
public class ComplianceScreen {

    /** The event types a search can be narrowed to (what the platform publishes). */
    static final List<String> TYPES = List.of("auth.login", "risk.assessed", "auth.decision", "challenge.issued",
            "delivery.status", "verification.completed", "verification.limited", "factor.changed",
            "security.access-refused", "tenant.settings-changed", "dead-letter", "malformed");
    static final List<String> OUTCOMES = List.of("APPROVED", "REJECTED", "EXPIRED", "LOCKED", "CANCELED", "DENIED");

    @TemplateData
    public record Filters(String userId, String type, String outcome, String channel, String q, String from,
                          String to) {

        Map<String, String> query() {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("userId", Forms.trimmed(userId));
            query.put("type", Forms.trimmed(type));
            query.put("outcome", Forms.trimmed(outcome));
            query.put("channel", Forms.trimmed(channel));
            query.put("q", Forms.trimmed(q));
            query.put("from", Forms.instant(from));
            query.put("to", Forms.instant(to));
            query.values().removeIf(java.util.Objects::isNull);
            return query;
        }

        /** The filters as a query string, for the export links and the next page. */
        public String encoded() {
            StringBuilder encoded = new StringBuilder();
            query().forEach((name, value) -> encoded.append(encoded.isEmpty() ? "" : "&").append(name).append('=')
                    .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
            return encoded.toString();
        }
    }

    @TemplateData
    public record Hold(long id, String userId, String reason, String createdAt, String releasedAt) {
    }

    /** The chain's verification: intact or where it first broke, over which rows, against which checkpoint. */
    @TemplateData
    public record Chain(boolean intact, long fromSeq, long toSeq, long rowsChecked, long headSeq, String headHash,
                        String firstBroken, String publishedCheckpoint, String details) {

        static Chain of(JsonNode v) {
            JsonNode broken = v.path("firstBroken");
            JsonNode published = v.path("publishedCheckpoint");
            return new Chain(v.path("intact").asBoolean(), v.path("fromSeq").asLong(), v.path("toSeq").asLong(),
                    v.path("rowsChecked").asLong(), v.path("headSeq").asLong(), v.path("headHash").asText(""),
                    broken.isMissingNode() || broken.isNull() ? null : broken.toString(),
                    published.isMissingNode() || published.isNull() ? null
                            : "sequence " + published.path("chainSeq").asLong() + ", signed "
                            + published.path("signedAt").asText() + " with key " + published.path("keyId").asText(),
                    v.toPrettyString());
        }
    }

    @TemplateData
    public record Checkpoint(long chainSeq, String headHash, String signedAt, String keyId) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance search(Session session, Filters filters, List<String> types,
                                              List<String> outcomes, List<EventRow> events, String next,
                                              Outcome outcome);

        static native TemplateInstance event(Session session, EventRow event, Outcome outcome);

        static native TemplateInstance timeline(Session session, String userId, List<EventRow> events, String next,
                                                Outcome outcome);

        static native TemplateInstance live(Session session, List<String> types, String type, String userId);

        static native TemplateInstance chain(Session session, Chain chain, List<Checkpoint> checkpoints,
                                             Outcome outcome);

        static native TemplateInstance holds(Session session, List<Hold> holds, Outcome outcome);

        static native TemplateInstance liveRow(EventRow event);
    }

    private final Api api;
    private final CurrentSession current;
    private final AuditStream stream;

    public ComplianceScreen(Api api, CurrentSession current, AuditStream stream) {
        this.api = api;
        this.current = current;
        this.stream = stream;
    }

    private Session session() {
        return current.get(Session.Screen.COMPLIANCE);
    }

    @GET
    public Uni<TemplateInstance> search(@QueryParam("userId") String userId, @QueryParam("type") String type,
                                        @QueryParam("outcome") String outcome, @QueryParam("channel") String channel,
                                        @QueryParam("q") String q, @QueryParam("from") String from,
                                        @QueryParam("to") String to, @QueryParam("cursor") String cursor) {
        Session session = session();
        Filters filters = new Filters(userId, type, outcome, channel, q, from, to);
        Map<String, String> query = new LinkedHashMap<>(filters.query());
        query.put("limit", "50");
        if (cursor != null && !cursor.isBlank()) {
            query.put("cursor", cursor);
        }
        return api.get(session, Service.AUDIT, "/v1/audit/events", query).map(reply -> {
            String next = reply.ok() ? reply.nextCursor() : null;
            return Templates.search(session, filters, TYPES, OUTCOMES,
                    reply.ok() ? EventRow.list(reply.json()) : List.of(), next, Outcome.of(reply));
        });
    }

    @GET
    @Path("/events/{eventId}")
    public Uni<TemplateInstance> event(@PathParam("eventId") String eventId) {
        Session session = session();
        return api.get(session, Service.AUDIT, "/v1/audit/events/" + segment(eventId), Map.of())
                .map(reply -> Templates.event(session, reply.ok() ? EventRow.of(reply.json()) : null,
                        Outcome.of(reply)));
    }

    @GET
    @Path("/users/{userId}")
    public Uni<TemplateInstance> timeline(@PathParam("userId") String userId, @QueryParam("cursor") String cursor) {
        Session session = session();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("limit", "100");
        query.put("cursor", Forms.trimmed(cursor));
        query.values().removeIf(java.util.Objects::isNull);
        return api.get(session, Service.AUDIT, "/v1/audit/users/" + segment(userId) + "/timeline", query)
                .map(reply -> Templates.timeline(session, userId, reply.ok() ? EventRow.list(reply.json()) : List.of(),
                        reply.ok() ? reply.nextCursor() : null, Outcome.of(reply)));
    }

    /** What the search shows, as a download: CSV or JSON lines, straight from audit-service's export. */
    @GET
    @Path("/export")
    @Produces({"text/csv", "application/x-ndjson", MediaType.TEXT_HTML})
    public Uni<Response> export(@QueryParam("format") String format, @QueryParam("userId") String userId,
                                @QueryParam("type") String type, @QueryParam("outcome") String outcome,
                                @QueryParam("channel") String channel, @QueryParam("q") String q,
                                @QueryParam("from") String from, @QueryParam("to") String to) {
        Session session = session();
        String chosen = "ndjson".equals(format) ? "ndjson" : "csv";
        Map<String, String> query = new LinkedHashMap<>(new Filters(userId, type, outcome, channel, q, from, to).query());
        query.put("format", chosen);
        return api.get(session, Service.AUDIT, "/v1/audit/export", query).map(reply -> {
            if (!reply.ok()) {
                return Response.status(reply.status()).type(MediaType.TEXT_PLAIN)
                        .entity("The export was refused: " + reply.problem()).build();
            }
            String file = "keystep-audit-" + session.tenant() + "." + ("csv".equals(chosen) ? "csv" : "ndjson");
            return Response.ok(reply.bytes()).type("csv".equals(chosen) ? "text/csv" : "application/x-ndjson")
                    .header("Content-Disposition", "attachment; filename=\"" + file.replaceAll("[^A-Za-z0-9._-]", "_")
                            + "\"").build();
        });
    }

    @GET
    @Path("/live")
    public TemplateInstance live(@QueryParam("type") String type, @QueryParam("userId") String userId) {
        return Templates.live(session(), TYPES, Forms.trimmed(type), Forms.trimmed(userId));
    }

    /**
     * The live tail's feed: audit-service's stream, read with the person's token, each event rendered as a table row
     * for the page to insert.
     */
    @GET
    @Path("/live/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_HTML)
    public Multi<String> liveStream(@QueryParam("type") String type, @QueryParam("userId") String userId) {
        Session session = session();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("type", Forms.trimmed(type));
        query.put("userId", Forms.trimmed(userId));
        query.values().removeIf(java.util.Objects::isNull);
        return stream.events(session, query)
                .map(event -> Templates.liveRow(EventRow.of(event)).render().replace('\n', ' '));
    }

    @GET
    @Path("/chain")
    public Uni<TemplateInstance> chain() {
        Session session = session();
        return api.get(session, Service.AUDIT, "/v1/audit/verify", Map.of()).chain(verified ->
                api.get(session, Service.AUDIT, "/v1/audit/checkpoints", Map.of("limit", "20")).map(listed -> {
                    List<Checkpoint> checkpoints = new ArrayList<>();
                    if (listed.ok() && listed.json() != null) {
                        listed.json().forEach(c -> checkpoints.add(new Checkpoint(c.path("chainSeq").asLong(),
                                c.path("headHash").asText(), c.path("signedAt").asText(), c.path("keyId").asText())));
                    }
                    Outcome outcome = !verified.ok() ? Outcome.of(verified) : Outcome.of(listed);
                    return Templates.chain(session, verified.ok() ? Chain.of(verified.json()) : null, checkpoints,
                            outcome);
                }));
    }

    @GET
    @Path("/holds")
    public Uni<TemplateInstance> holds() {
        Session session = session();
        return holdsPage(session, Outcome.NONE);
    }

    @POST
    @Path("/holds")
    public Uni<TemplateInstance> placeHold(@FormParam("userId") String userId, @FormParam("reason") String reason) {
        Session session = session();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("userId", Forms.trimmed(userId));
        body.put("reason", reason == null ? "" : reason);
        return api.post(session, Service.AUDIT, "/v1/audit/holds", body).chain(reply -> holdsPage(session,
                reply.ok() ? Outcome.ok("Hold " + reply.json().path("id").asText() + " placed.") : Outcome.of(reply)));
    }

    @POST
    @Path("/holds/{id}/release")
    public Uni<TemplateInstance> releaseHold(@PathParam("id") long id) {
        Session session = session();
        return api.delete(session, Service.AUDIT, "/v1/audit/holds/" + id).chain(reply -> holdsPage(session,
                reply.ok() ? Outcome.ok("Hold " + id + " released.") : Outcome.of(reply)));
    }

    private Uni<TemplateInstance> holdsPage(Session session, Outcome outcome) {
        return api.get(session, Service.AUDIT, "/v1/audit/holds", Map.of()).map(reply -> {
            List<Hold> holds = new ArrayList<>();
            if (reply.ok() && reply.json() != null) {
                reply.json().forEach(h -> holds.add(new Hold(h.path("id").asLong(), h.path("userId").asText(null),
                        h.path("reason").asText(), h.path("createdAt").asText(), h.path("releasedAt").asText(null))));
            }
            return Templates.holds(session, holds, outcome.shown() ? outcome : Outcome.of(reply));
        });
    }

    /** A path segment as the APIs take it. */
    static String segment(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
