package io.keystep.console.screens;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.console.session.CurrentSession;
import io.keystep.console.session.Session;
import io.keystep.console.web.Api;
import io.keystep.console.web.Api.Service;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The administrators' screen: each service's tenant settings as a form, saved through the service's own API, whose
 * validation errors are shown at their fields. The console knows each area's address and which of the shown fields
 * are read-only; every rule about values stays in the service.
 */
@Path("/settings")
@Produces(MediaType.TEXT_HTML)
public class SettingsScreen {

    /**
     * How an area's PUT treats a field it is not given. {@code LISTED}: back to the platform default, and the view
     * lists the tenant's overrides in {@code overridden}, so the console sends those and the fields changed.
     * {@code WHOLE}: back to the default, without such a list, so the console sends every field shown.
     * {@code MERGED}: unchanged, so the console sends the fields changed.
     */
    enum Saving { LISTED, WHOLE, MERGED }

    @TemplateData
    public record Area(String id, String title, String service, String path, String about) {
    }

    record AreaSpec(Area area, Service service, Saving saving, Set<String> readOnly) {
    }

    /**
     * A field of the form. {@code kind}: boolean, number, text, unset (no value yet: JSON or text), list
     * (comma-separated) or json.
     */
    @TemplateData
    public record Field(String name, String kind, String value, boolean readOnly, boolean overridden, String error) {

        public boolean isTrue() {
            return "true".equals(value);
        }
    }

    static final List<AreaSpec> AREAS = List.of(
            spec("risk", "Risk scoring", Service.RISK, "/v1/settings/risk", Saving.LISTED, "overridden",
                    "Signal weights, the challenge and deny thresholds, allowed and denied networks (risk-service)."),
            spec("verify", "Verification", Service.CHALLENGE, "/v1/settings/verify", Saving.WHOLE, null,
                    "Code length, expiry, attempts, send limits, lockouts, allowed countries (challenge-service)."),
            spec("passkeys", "Passkeys", Service.CHALLENGE, "/v1/settings/passkeys", Saving.WHOLE, null,
                    "Relying party, origins, user verification, attestation (challenge-service)."),
            spec("push", "Push approval", Service.CHALLENGE, "/v1/settings/push", Saving.MERGED, null,
                    "The name the app shows, the push budget against fatigue (challenge-service)."),
            spec("account-recovery", "Account recovery", Service.CHALLENGE, "/v1/settings/account-recovery",
                    Saving.WHOLE, null, "The waiting period of a recovery (challenge-service)."),
            spec("enrollment-nudge", "Enrollment nudge", Service.CHALLENGE, "/v1/settings/enrollment-nudge",
                    Saving.MERGED, null, "Which stronger factors users are invited to enroll (challenge-service)."),
            spec("delivery", "Delivery", Service.DELIVERY, "/v1/settings/delivery", Saving.LISTED, "overridden",
                    "Providers, fallback, sender, message templates (delivery-service)."),
            spec("audit", "Audit trail", Service.AUDIT, "/v1/settings/audit", Saving.WHOLE,
                    "retentionFloorMonths,pendingRetention",
                    "Retention, search page size, conversion alert threshold (audit-service)."));

    private static AreaSpec spec(String id, String title, Service service, String path, Saving saving,
                                 String readOnly, String about) {
        return new AreaSpec(new Area(id, title, service.name().toLowerCase(java.util.Locale.ROOT) + "-service", path,
                about), service, saving, readOnly == null ? Set.of() : Set.of(readOnly.split(",")));
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance areas(Session session, List<Area> areas);

        static native TemplateInstance area(Session session, Area area, List<Field> fields, Outcome outcome);
    }

    private final Api api;
    private final CurrentSession current;
    private final ObjectMapper json;

    public SettingsScreen(Api api, CurrentSession current, ObjectMapper json) {
        this.api = api;
        this.current = current;
        this.json = json;
    }

    private Session session() {
        return current.get(Session.Screen.SETTINGS);
    }

    private static AreaSpec area(String id) {
        return AREAS.stream().filter(a -> a.area().id().equals(id)).findFirst()
                .orElseThrow(() -> new NotFoundException("no settings area " + id));
    }

    @GET
    public TemplateInstance areas() {
        return Templates.areas(session(), AREAS.stream().map(AreaSpec::area).toList());
    }

    @GET
    @Path("/{area}")
    public Uni<TemplateInstance> show(@PathParam("area") String id) {
        Session session = session();
        AreaSpec spec = area(id);
        return api.get(session, spec.service(), spec.area().path(), Map.of()).map(reply ->
                Templates.area(session, spec.area(), reply.ok() ? fields(spec, reply.json(), Map.of(), Map.of())
                        : List.of(), Outcome.of(reply)));
    }

    @POST
    @Path("/{area}")
    public Uni<TemplateInstance> save(@PathParam("area") String id, MultivaluedMap<String, String> form) {
        Session session = session();
        AreaSpec spec = area(id);
        return api.get(session, spec.service(), spec.area().path(), Map.of()).chain(before -> {
            if (!before.ok()) {
                return Uni.createFrom().item(Templates.area(session, spec.area(), List.of(), Outcome.of(before)));
            }
            Map<String, String> submitted = new LinkedHashMap<>();
            form.forEach((name, values) -> submitted.put(name, values.isEmpty() ? "" : values.get(0)));
            Map<String, String> unreadable = new LinkedHashMap<>();
            ObjectNode body = body(spec, before.json(), submitted, unreadable);
            if (!unreadable.isEmpty()) {
                return Uni.createFrom().item(Templates.area(session, spec.area(),
                        fields(spec, before.json(), submitted, unreadable),
                        new Outcome("error", "Not saved: some fields could not be read.", unreadable)));
            }
            return api.put(session, spec.service(), spec.area().path(), body).map(after -> after.ok()
                    ? Templates.area(session, spec.area(), fields(spec, after.json(), Map.of(), Map.of()),
                    Outcome.ok("Saved. The service validated and recorded the change in the audit trail."))
                    : Templates.area(session, spec.area(), fields(spec, before.json(), submitted,
                    after.fieldErrors()), Outcome.of(after)));
        });
    }

    /** The form's fields from the settings shown, with what was submitted and the errors, if any, in place. */
    private List<Field> fields(AreaSpec spec, JsonNode shown, Map<String, String> submitted,
                               Map<String, String> errors) {
        Set<String> overridden = overridden(shown);
        List<Field> fields = new ArrayList<>();
        shown.fields().forEachRemaining(entry -> {
            String name = entry.getKey();
            if (name.equals("overridden")) {
                return;
            }
            JsonNode value = entry.getValue();
            String kind = kind(value);
            String text = submitted.containsKey(name) ? submitted.get(name) : text(kind, value);
            fields.add(new Field(name, kind, text, spec.readOnly().contains(name), overridden.contains(name),
                    errors.get(name)));
        });
        return fields;
    }

    /** The PUT body: which fields, per the area's saving rule, and each value read back to its JSON type. */
    private ObjectNode body(AreaSpec spec, JsonNode before, Map<String, String> submitted,
                            Map<String, String> unreadable) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        Set<String> overridden = overridden(before);
        before.fields().forEachRemaining(entry -> {
            String name = entry.getKey();
            if (spec.readOnly().contains(name) || name.equals("overridden") || !submitted.containsKey(name)) {
                return;
            }
            JsonNode was = entry.getValue();
            String kind = kind(was);
            String text = submitted.get(name);
            boolean changed = !text.equals(text(kind, was));
            boolean send = switch (spec.saving()) {
                case WHOLE -> true;
                case LISTED -> changed || overridden.contains(name);
                case MERGED -> changed;
            };
            if (!send) {
                return;
            }
            try {
                body.set(name, value(kind, text));
            } catch (JsonProcessingException e) {
                unreadable.put(name, "must be JSON");
            }
        });
        return body;
    }

    private static Set<String> overridden(JsonNode shown) {
        Set<String> names = new HashSet<>();
        shown.path("overridden").forEach(n -> names.add(n.asText()));
        return names;
    }

    static String kind(JsonNode value) {
        if (value == null || value.isNull()) {
            return "unset";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isArray()) {
            for (JsonNode item : value) {
                if (item.isContainerNode()) {
                    return "json";
                }
            }
            return "list";
        }
        return value.isObject() ? "json" : "text";
    }

    private static String text(String kind, JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        return switch (kind) {
            case "list" -> {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.asText()));
                yield String.join(", ", items);
            }
            case "json" -> value.toPrettyString();
            default -> value.asText();
        };
    }

    private JsonNode value(String kind, String text) throws JsonProcessingException {
        String trimmed = text.trim();
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        switch (kind) {
            case "boolean":
                return nodes.booleanNode("true".equals(trimmed));
            case "list": {
                ArrayNode list = nodes.arrayNode();
                Arrays.stream(trimmed.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(list::add);
                return list;
            }
            case "json":
                return trimmed.isEmpty() ? nodes.nullNode() : json.readTree(trimmed);
            case "number":
                if (trimmed.isEmpty()) {
                    return nodes.nullNode();
                }
                // a number as typed; a value that is not one goes as text, for the service to name
                try {
                    JsonNode typed = json.readTree(trimmed);
                    return typed.isNumber() ? typed : nodes.textNode(trimmed);
                } catch (JsonProcessingException e) {
                    return nodes.textNode(trimmed);
                }
            case "unset":
                // a field without a value has no type to go by: JSON as typed (a number, a list), else text
                if (trimmed.isEmpty()) {
                    return nodes.nullNode();
                }
                try {
                    return json.readTree(trimmed);
                } catch (JsonProcessingException e) {
                    return nodes.textNode(trimmed);
                }
            default:
                if (trimmed.isEmpty()) {
                    return nodes.nullNode();
                }
                return nodes.textNode(trimmed);
        }
    }
}
