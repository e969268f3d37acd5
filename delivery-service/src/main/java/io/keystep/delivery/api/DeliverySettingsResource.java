package io.keystep.delivery.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.delivery.domain.DeliverySettings;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.delivery.store.DeliverySettingsStore;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A tenant's delivery settings (area {@code delivery}, role {@code admin}, tenant from the token): channel plan,
 * fallback timeout, allowed destination countries and the SMS-pumping guard's limits. A PUT states every override the
 * tenant wants; an absent (or null) field returns to the platform default. A change is published as
 * {@code TenantSettingsChanged}. A PUT with bad fields changes nothing and gets one 400 whose {@code errors} name every
 * bad field, in the body's order, so a caller fixes them in one round.
 */
@Path("/v1/settings/delivery")
@RolesAllowed(Roles.ADMIN)
public class DeliverySettingsResource {

    public static final String AREA = "delivery";

    /** Settings an override is applied to only for {@code with}'s checks (bounds included); the result is unused. */
    private static final DeliverySettings CHECK_BASE = new DeliverySettings(List.of(), Duration.ofSeconds(30), Set.of(),
            1, 1, 1, 1, Set.of(), 0, 0);

    private final DeliverySettingsStore store;
    private final PlatformEvents events;
    private final Caller caller;
    private final com.fasterxml.jackson.databind.ObjectMapper json;

    public DeliverySettingsResource(DeliverySettingsStore store, PlatformEvents events, Caller caller,
                                    com.fasterxml.jackson.databind.ObjectMapper json) {
        this.json = json;
        this.store = store;
        this.events = events;
        this.caller = caller;
    }

    /**
     * The body of a PUT. {@code channelPlan}: 1–4 distinct of SMS, WHATSAPP, VOICE, EMAIL; {@code
     * fallbackTimeoutSeconds}: 5–600; {@code allowedCountries}, {@code usualCountries}: ISO 3166 alpha-2 codes;
     * {@code destinationPerHour} 1–100, {@code prefixPerHour} 1–10000, {@code countryPerHour} 1–1000000,
     * {@code rareCountryPerHour} 1–10000. {@code tenantId}, when present, must be the caller's tenant.
     */
    public record SettingsRequest(String tenantId, List<String> channelPlan, Integer fallbackTimeoutSeconds,
                                  List<String> allowedCountries, Integer destinationPerHour, Integer prefixPerHour,
                                  Integer countryPerHour, Integer rareCountryPerHour, List<String> usualCountries) {
    }

    @GET
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    public Uni<Response> read(@HeaderParam("X-Tenant-Id") String claimedTenant) {
        return current(caller.tenant(Caller.TENANT_HEADER, claimedTenant));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    public Uni<Response> replace(@HeaderParam("X-Tenant-Id") String claimedTenant,
                                 @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                         schema = @Schema(implementation = SettingsRequest.class))) String text) {
        JsonNode body;
        try {
            body = text == null || text.isBlank() ? null : json.readTree(text);
        } catch (java.io.IOException e) {
            // Jackson's message quotes the input: it is not echoed.
            return Uni.createFrom().item(Problem.validation("body", "is not valid JSON").response());
        }
        String named = body != null && body.hasNonNull("tenantId") ? body.get("tenantId").asText() : null;
        caller.tenant(Caller.TENANT_HEADER, claimedTenant);
        String changedBy = caller.subject();
        return Uni.createFrom().item(caller.tenant("tenantId", named)).chain(tenant -> {
            List<Problem.FieldError> errors = new ArrayList<>();
            Map<String, String> wanted = overrides(body, errors);
            if (!errors.isEmpty()) {
                return Uni.createFrom().item(Problem.validation(errors).response());
            }
            return store.read(tenant).chain(before -> {
                List<TenantSettingsChanged.Change> changes = new ArrayList<>();
                for (String field : DeliverySettings.FIELDS) {
                    String was = before.get(field);
                    String now = wanted.get(field);
                    if (!Objects.equals(was, now)) {
                        changes.add(new TenantSettingsChanged.Change(field, was, now));
                    }
                }
                if (changes.isEmpty()) {
                    return current(tenant);
                }
                return store.replace(tenant, wanted)
                        .chain(() -> events.settingsChanged(tenant, new TenantSettingsChanged(AREA, changedBy,
                                changes)))
                        .chain(() -> current(tenant));
            });
        });
    }

    private Uni<Response> current(String tenant) {
        return store.of(tenant).chain(effective -> store.read(tenant)
                .map(overrides -> Response.ok(view(tenant, effective, overrides)).build()));
    }

    private static Map<String, Object> view(String tenant, DeliverySettings effective, Map<String, String> overrides) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tenantId", tenant);
        body.putAll(effective.asFields());
        body.put("overridden", DeliverySettings.FIELDS.stream().filter(overrides::containsKey).toList());
        return body;
    }

    /**
     * The body's overrides as stored text, each checked the way deliveries read it back. Every bad field (an unknown
     * one included) is added to {@code errors}, one per field in the body's order, and left out of the answer.
     */
    static Map<String, String> overrides(JsonNode body, List<Problem.FieldError> errors) {
        if (body == null || !body.isObject()) {
            errors.add(new Problem.FieldError("body", "must be a JSON object"));
            return Map.of();
        }
        Map<String, String> wanted = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            String field = entry.getKey();
            JsonNode value = entry.getValue();
            if (field.equals("tenantId") || value.isNull()) {
                continue;
            }
            if (!DeliverySettings.FIELDS.contains(field)) {
                errors.add(new Problem.FieldError(field.length() > 40 ? field.substring(0, 40) : field,
                        "is not a delivery setting; settings are " + DeliverySettings.FIELDS));
                continue;
            }
            // The domain's checks throw at a field's first problem, as deliveries reading stored settings need;
            // caught per field here, so one answer names every bad field.
            try {
                String text = stored(field, value);
                CHECK_BASE.with(Map.of(field, text));
                wanted.put(field, text);
            } catch (DeliverySettings.Invalid invalid) {
                errors.add(new Problem.FieldError(invalid.field(), invalid.getMessage()));
            }
        }
        return wanted;
    }

    /** A setting's value as the text the store keeps, lists normalised; malformed values throw naming the field. */
    private static String stored(String field, JsonNode value) {
        return switch (field) {
            case DeliverySettings.CHANNEL_PLAN -> DeliverySettings.channels(field, texts(field, value)).stream()
                    .map(Enum::name).collect(Collectors.joining(","));
            case DeliverySettings.ALLOWED_COUNTRIES, DeliverySettings.USUAL_COUNTRIES ->
                    String.join(",", DeliverySettings.countries(field, texts(field, value)));
            default -> { // the whole-number settings
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    throw new DeliverySettings.Invalid(field, "must be a whole number");
                }
                yield String.valueOf(value.intValue());
            }
        };
    }

    private static List<String> texts(String field, JsonNode value) {
        if (!value.isArray()) {
            throw new DeliverySettings.Invalid(field, "must be a list");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw new DeliverySettings.Invalid(field, "must be a list of text");
            }
            texts.add(item.asText());
        }
        return texts;
    }
}
