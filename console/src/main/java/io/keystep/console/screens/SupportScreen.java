package io.keystep.console.screens;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.console.session.CurrentSession;
import io.keystep.console.session.Session;
import io.keystep.console.web.Api;
import io.keystep.console.web.Api.Service;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.keystep.console.screens.ComplianceScreen.segment;

/**
 * The support screen, over challenge-service's support API and the user's audit timeline: find a user, see their
 * factors, masked phone, trusted devices, lockout or suspension and recent verifications, and act as the runbook says
 * (re-enable after the identity check, revoke a device, open an account recovery).
 */
@Path("/support")
@Produces(MediaType.TEXT_HTML)
public class SupportScreen {

    /** A row of the search. */
    @TemplateData
    public record Found(String userId, int factors, String phoneMasked) {
    }

    @TemplateData
    public record Factor(String factorId, String kind, String status, String name, String createdAt,
                         String lastUsedAt) {
    }

    @TemplateData
    public record Device(String deviceId, String name, String createdAt, String lastSeenAt, String expiresAt) {
    }

    @TemplateData
    public record Recovery(String recoveryId, String status, String ticket, String openedBy, String openedAt) {
    }

    /** Everything the screen shows of one user. */
    @TemplateData
    public record UserView(String userId, List<Factor> factors, String phoneMasked, boolean phoneVerified,
                           List<Device> devices, boolean suspended, String lockedUntil, Integer failedChecks,
                           List<Recovery> recoveries) {

        public boolean locked() {
            return suspended || lockedUntil != null;
        }

        static UserView of(JsonNode user) {
            List<Factor> factors = new ArrayList<>();
            user.path("factors").forEach(f -> factors.add(new Factor(text(f, "factorId"), text(f, "kind"),
                    text(f, "status"), text(f, "name"), text(f, "createdAt"), text(f, "lastUsedAt"))));
            List<Device> devices = new ArrayList<>();
            user.path("trustedDevices").forEach(d -> devices.add(new Device(text(d, "deviceId"),
                    d.hasNonNull("name") ? text(d, "name") : text(d, "label"), text(d, "createdAt"),
                    text(d, "lastSeenAt"), text(d, "expiresAt"))));
            List<Recovery> recoveries = new ArrayList<>();
            user.path("openRecoveries").forEach(r -> recoveries.add(new Recovery(text(r, "recoveryId"),
                    text(r, "status"), text(r, "ticket"), text(r, "openedBy"), text(r, "openedAt"))));
            JsonNode phone = user.path("phone");
            JsonNode lockout = user.path("lockout");
            return new UserView(text(user, "userId"), factors, text(phone, "masked"),
                    phone.path("verified").asBoolean(false), devices, lockout.path("suspended").asBoolean(false),
                    text(lockout, "lockedUntil"),
                    lockout.hasNonNull("failedChecks") ? lockout.get("failedChecks").asInt() : null, recoveries);
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance find(Session session, String query, List<Found> users, Outcome outcome);

        static native TemplateInstance user(Session session, String userId, UserView user, List<EventRow> recent,
                                            Outcome outcome, Map<String, String> form);
    }

    private static final List<String> VERIFICATION_TYPES = List.of("challenge.issued", "verification.completed",
            "verification.limited", "factor.changed", "auth.decision");

    private final Api api;
    private final CurrentSession current;

    public SupportScreen(Api api, CurrentSession current) {
        this.api = api;
        this.current = current;
    }

    private Session session() {
        return current.get(Session.Screen.SUPPORT);
    }

    @GET
    public Uni<TemplateInstance> find(@QueryParam("query") String query) {
        Session session = session();
        String asked = Forms.trimmed(query);
        if (asked == null) {
            return Uni.createFrom().item(Templates.find(session, "", List.of(), Outcome.NONE));
        }
        return api.get(session, Service.CHALLENGE, "/v1/support/users", Map.of("query", asked)).map(reply -> {
            List<Found> users = new ArrayList<>();
            if (reply.ok() && reply.json() != null) {
                reply.json().path("users").forEach(u -> users.add(new Found(u.path("userId").asText(),
                        u.path("factors").asInt(), u.path("phoneMasked").asText(null))));
            }
            Outcome outcome = !reply.ok() ? Outcome.of(reply)
                    : users.isEmpty() ? Outcome.ok("No user of this tenant matches.") : Outcome.NONE;
            return Templates.find(session, asked, users, outcome);
        });
    }

    @GET
    @Path("/users/{userId}")
    public Uni<TemplateInstance> user(@PathParam("userId") String userId) {
        return page(session(), userId, Outcome.NONE, Map.of());
    }

    /** Lifts a suspension or lockout; the API asks why and how the person's identity was verified. */
    @POST
    @Path("/users/{userId}/reenable")
    public Uni<TemplateInstance> reenable(@PathParam("userId") String userId, @FormParam("reason") String reason,
                                          @FormParam("identityVerifiedBy") String identityVerifiedBy) {
        Session session = session();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("reason", reason == null ? "" : reason);
        body.put("identityVerifiedBy", identityVerifiedBy == null ? "" : identityVerifiedBy);
        return api.post(session, Service.CHALLENGE, "/v1/users/" + segment(userId) + "/reenable", body)
                .chain(reply -> page(session, userId, reply.ok() ? Outcome.ok("Re-enabled: the lockout is lifted and"
                        + " the trail records why and how identity was verified.") : Outcome.of(reply),
                        reply.ok() ? Map.of() : body));
    }

    @POST
    @Path("/users/{userId}/devices/{deviceId}/revoke")
    public Uni<TemplateInstance> revoke(@PathParam("userId") String userId, @PathParam("deviceId") String deviceId) {
        Session session = session();
        return api.delete(session, Service.CHALLENGE, "/v1/users/" + segment(userId) + "/trusted-devices/"
                        + segment(deviceId))
                .chain(reply -> page(session, userId, reply.ok() ? Outcome.ok("Device revoked: its next login is"
                        + " challenged again.") : Outcome.of(reply), Map.of()));
    }

    @POST
    @Path("/users/{userId}/recoveries")
    public Uni<TemplateInstance> openRecovery(@PathParam("userId") String userId,
                                              @FormParam("ticket") String ticket) {
        Session session = session();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("ticket", ticket == null ? "" : ticket.trim());
        return api.post(session, Service.CHALLENGE, "/v1/users/" + segment(userId) + "/account-recoveries", body)
                .chain(reply -> page(session, userId, reply.ok() ? Outcome.ok("Account recovery "
                        + reply.json().path("recoveryId").asText() + " opened: "
                        + reply.json().path("status").asText() + ".") : Outcome.of(reply),
                        reply.ok() ? Map.of() : body));
    }

    private Uni<TemplateInstance> page(Session session, String userId, Outcome outcome, Map<String, String> form) {
        Uni<Api.Reply> user = api.get(session, Service.CHALLENGE, "/v1/support/users/" + segment(userId), Map.of());
        // the timeline runs oldest first: the last week's, of which the newest are shown first
        Uni<Api.Reply> timeline = api.get(session, Service.AUDIT, "/v1/audit/users/" + segment(userId) + "/timeline",
                Map.of("limit", "500", "from", java.time.Instant.now().minus(java.time.Duration.ofDays(7)).toString()));
        return Uni.combine().all().unis(user, timeline).asTuple().map(replies -> {
            Api.Reply found = replies.getItem1();
            Api.Reply events = replies.getItem2();
            List<EventRow> recent = new ArrayList<>();
            if (events.ok()) {
                List<EventRow> rows = EventRow.list(events.json());
                for (int i = rows.size() - 1; i >= 0 && recent.size() < 20; i--) {
                    if (VERIFICATION_TYPES.contains(rows.get(i).type())) {
                        recent.add(rows.get(i));
                    }
                }
            }
            Outcome shown = outcome.shown() ? outcome : !found.ok() ? Outcome.of(found) : Outcome.of(events);
            return Templates.user(session, userId, found.ok() ? UserView.of(found.json()) : null, recent, shown,
                    form);
        });
    }
}
