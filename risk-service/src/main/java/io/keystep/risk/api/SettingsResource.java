package io.keystep.risk.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.events.Decision;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.CidrRange;
import io.keystep.risk.domain.DecisionRules;
import io.keystep.risk.domain.InvalidSettings;
import io.keystep.risk.domain.RiskPolicy;
import io.keystep.risk.domain.RiskSettings;
import io.keystep.risk.domain.RiskSettingsPolicy;
import io.keystep.risk.store.TenantRiskSettings;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A tenant's risk policy settings (area {@code risk}): weights, thresholds, the odd-hours and reported-fraud windows,
 * the impossible-travel speed, failure limits and network lists. Administrators only; the tenant is the token's.
 */
@Path("/v1/settings/risk")
@RolesAllowed(Roles.ADMIN)
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SettingsResource {

    private static final Logger LOG = Logger.getLogger(SettingsResource.class);
    static final String AREA = "risk";
    private static final List<String> TENANT_FIELDS = List.of("tenantId", "tenant");
    private static final String WRONG_TYPE = "has a value of the wrong type";
    private static final Set<String> DECISIONS = Arrays.stream(Decision.values()).map(Enum::name)
            .collect(Collectors.toUnmodifiableSet());

    /**
     * The settings in force for the tenant: its overrides, else the platform defaults.
     *
     * @param overridden the fields the tenant set; every other field follows the platform default
     */
    public record RiskSettingsView(int newDevice, int newCountry, int impossibleTravel, int unusualHour,
                                   int invalidDeviceToken, int userReportedFraud, int allowedNetwork,
                                   int challengeAt, int denyAt, Decision onStuffing, boolean alwaysChallenge,
                                   long unusualHourWindowDays, long userReportedFraudWindowDays,
                                   long impossibleTravelSpeedKmh, int userFailureLimit, int ipFailureLimit,
                                   List<String> allowNetworks, List<String> denyNetworks, List<String> overridden) {

        static RiskSettingsView of(DecisionRules r, RiskSettings overrides) {
            RiskPolicy p = r.rules().live();
            return new RiskSettingsView(p.newDevice(), p.newCountry(), p.impossibleTravel(), p.unusualHour(),
                    p.invalidToken(), p.userReportedFraud(), p.allowedNetwork(), p.challengeAt(), p.denyAt(),
                    p.onStuffing(), r.rules().alwaysChallenge(), r.hourWindow().toDays(),
                    r.reportedFraudWindow().toDays(), Math.round(r.limits().maxSpeedKmh()),
                    r.limits().userFailureLimit(), r.limits().ipFailureLimit(),
                    r.rules().allow().stream().map(CidrRange::text).toList(),
                    r.rules().deny().stream().map(CidrRange::text).toList(),
                    List.copyOf(overrides.asText().keySet()));
        }
    }

    private final TenantRiskSettings settings;
    private final RiskSettingsPolicy bounds;
    private final PlatformEvents trail;
    private final Caller caller;
    private final ObjectMapper mapper;

    public SettingsResource(TenantRiskSettings settings, RiskConfig config, PlatformEvents trail,
                            Caller caller, ObjectMapper mapper) {
        this.settings = settings;
        this.bounds = new RiskSettingsPolicy(config.hourWindow());
        this.trail = trail;
        this.caller = caller;
        this.mapper = mapper;
    }

    /** The settings in force for the caller's tenant. */
    @GET
    public Uni<RiskSettingsView> get() {
        String tenant = caller.tenant();
        return settings.overrides(tenant).map(o -> view(tenant, o));
    }

    /**
     * Replaces the tenant's overrides: a field absent returns to the platform default. A body with bad fields (unknown,
     * of the wrong JSON type, outside its bounds) answers one 400 whose {@code errors} names every one of them, in the
     * body's field order, and nothing is stored or published; a change is published on
     * {@code tenant.settings-changed.v1}.
     */
    @PUT
    public Uni<RiskSettingsView> put(JsonNode body) {
        // A body naming another tenant is refused like a header naming one.
        String tenant = caller.tenant();
        String changedBy = caller.subject();
        for (String field : TENANT_FIELDS) {
            caller.tenant(field, namedTenant(body, field));
        }
        InvalidSettings invalid = new InvalidSettings();
        RiskSettings requested = read(body, invalid);
        bounds.validate(requested, settings.defaultsFor(tenant), invalid);
        if (!invalid.isEmpty()) {
            throw ProblemException.invalid(inBodyOrder(body, invalid));
        }
        return settings.replace(tenant, requested).chain(before -> {
            List<TenantSettingsChanged.Change> changes = changes(before, requested);
            Uni<Void> published = changes.isEmpty() ? Uni.createFrom().voidItem()
                    : trail.settingsChanged(tenant, new TenantSettingsChanged(AREA, changedBy, changes));
            if (!changes.isEmpty()) {
                LOG.infof("Risk settings of tenant %s changed by %s: %s", tenant, changedBy,
                        changes.stream().map(TenantSettingsChanged.Change::field).toList());
            }
            return published.replaceWith(view(tenant, requested));
        });
    }

    private RiskSettingsView view(String tenant, RiskSettings overrides) {
        return RiskSettingsView.of(RiskSettingsPolicy.apply(settings.defaultsFor(tenant), overrides), overrides);
    }

    /** The tenant a body names in {@code field} ({@code tenantId} or {@code tenant}), if any. */
    private static String namedTenant(JsonNode body, String field) {
        JsonNode node = body == null || !body.isObject() ? null : body.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    /**
     * The request's well-typed overrides. A field this API does not know (refused rather than silently ignored) or
     * whose JSON type is wrong is noted in {@code invalid} and left out, so that the next bad field is still seen.
     */
    private RiskSettings read(JsonNode body, InvalidSettings invalid) {
        if (body == null || body.isNull()) {
            return RiskSettings.NONE;
        }
        if (!body.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
        ObjectNode wellTyped = mapper.createObjectNode();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            String name = field.getKey();
            if (TENANT_FIELDS.contains(name)) {
                continue;
            }
            String reason = RiskSettings.FIELDS.contains(name) ? wrongType(name, field.getValue())
                    : "is not a risk setting";
            if (reason == null) {
                wellTyped.set(name, field.getValue());
            } else {
                invalid.add(name, reason);
            }
        }
        // Every value left has its field's type, so mapping cannot fail on the caller's input.
        return mapper.convertValue(wellTyped, RiskSettings.class);
    }

    /**
     * Why a setting's JSON value does not fit its field, or null when it does (null itself means the default).
     * Checked here, strictly (no "10" for 10), rather than left to Jackson, which stops at the first bad field.
     */
    private static String wrongType(String field, JsonNode value) {
        if (value.isNull()) {
            return null;
        }
        return switch (field) {
            case "allowNetworks", "denyNetworks" -> value.isArray() && value.valueStream().allMatch(JsonNode::isTextual)
                    ? null : "must be a list of CIDR ranges";
            case "onStuffing" -> value.isTextual() && DECISIONS.contains(value.textValue()) ? null : WRONG_TYPE;
            case "alwaysChallenge" -> value.isBoolean() ? null : WRONG_TYPE;
            // every other setting is a whole number
            default -> value.isIntegralNumber() && value.canConvertToInt() ? null : WRONG_TYPE;
        };
    }

    /** The invalid fields in the order the body names them, so that the answer reads like the request. */
    private static List<Problem.FieldError> inBodyOrder(JsonNode body, InvalidSettings invalid) {
        List<String> order = new ArrayList<>();
        if (body != null) {
            body.fieldNames().forEachRemaining(order::add);
        }
        return invalid.reasons().entrySet().stream()
                .sorted(Comparator.comparingInt(e -> order.indexOf(e.getKey())))
                .map(e -> new Problem.FieldError(e.getKey(), e.getValue()))
                .toList();
    }

    /** Every field whose override changed, with the overrides before and after (null: the platform default). */
    static List<TenantSettingsChanged.Change> changes(RiskSettings before, RiskSettings after) {
        Map<String, String> b = before.asText();
        Map<String, String> a = after.asText();
        List<TenantSettingsChanged.Change> changes = new ArrayList<>();
        for (String field : RiskSettings.FIELDS) {
            if (!Objects.equals(b.get(field), a.get(field))) {
                changes.add(new TenantSettingsChanged.Change(field, b.get(field), a.get(field)));
            }
        }
        return changes;
    }
}
