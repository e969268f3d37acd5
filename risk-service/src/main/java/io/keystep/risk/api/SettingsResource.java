package io.keystep.risk.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Decision;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.CidrRange;
import io.keystep.risk.domain.DecisionRules;
import io.keystep.risk.domain.RiskPolicy;
import io.keystep.risk.domain.RiskSettings;
import io.keystep.risk.domain.RiskSettingsPolicy;
import io.keystep.risk.messaging.TrailPublisher;
import io.keystep.risk.service.TenantRiskSettings;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A tenant's risk policy settings (area {@code risk}): weights, thresholds, the odd-hours window, the
 * impossible-travel speed, failure limits and network lists. Administrators only; the tenant is the token's.
 */
@Path("/v1/settings/risk")
@RolesAllowed("admin")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SettingsResource {

    private static final Logger LOG = Logger.getLogger(SettingsResource.class);
    static final String AREA = "risk";
    private static final List<String> TENANT_FIELDS = List.of("tenantId", "tenant");

    /**
     * The settings in force for the tenant: its overrides, else the platform defaults.
     *
     * @param overridden the fields the tenant set; every other field follows the platform default
     */
    public record RiskSettingsView(int newDevice, int newCountry, int impossibleTravel, int unusualHour,
                                   int invalidDeviceToken, int allowedNetwork, int challengeAt, int denyAt,
                                   Decision onStuffing, boolean alwaysChallenge, long unusualHourWindowDays,
                                   long impossibleTravelSpeedKmh, int userFailureLimit, int ipFailureLimit,
                                   List<String> allowNetworks, List<String> denyNetworks, List<String> overridden) {

        static RiskSettingsView of(DecisionRules r, RiskSettings overrides) {
            RiskPolicy p = r.rules().live();
            return new RiskSettingsView(p.newDevice(), p.newCountry(), p.impossibleTravel(), p.unusualHour(),
                    p.invalidToken(), p.allowedNetwork(), p.challengeAt(), p.denyAt(), p.onStuffing(),
                    r.rules().alwaysChallenge(), r.hourWindow().toDays(), Math.round(r.limits().maxSpeedKmh()),
                    r.limits().userFailureLimit(), r.limits().ipFailureLimit(),
                    r.rules().allow().stream().map(CidrRange::text).toList(),
                    r.rules().deny().stream().map(CidrRange::text).toList(),
                    List.copyOf(overrides.asText().keySet()));
        }
    }

    private final TenantRiskSettings settings;
    private final RiskSettingsPolicy bounds;
    private final TrailPublisher trail;
    private final SecurityIdentity identity;
    private final ObjectMapper mapper;
    private final AccessRefusals refusals;

    public SettingsResource(TenantRiskSettings settings, RiskConfig config, TrailPublisher trail,
                            SecurityIdentity identity, ObjectMapper mapper, AccessRefusals refusals) {
        this.refusals = refusals;
        this.settings = settings;
        this.bounds = new RiskSettingsPolicy(config.hourWindow());
        this.trail = trail;
        this.identity = identity;
        this.mapper = mapper;
    }

    /** The settings in force for the caller's tenant. */
    @GET
    public Uni<RiskSettingsView> get() {
        String tenant = Caller.of(identity).tenant();
        return settings.overrides(tenant).map(o -> view(tenant, o));
    }

    /**
     * Replaces the tenant's overrides: a field absent returns to the platform default. A value outside its bounds
     * answers 400 naming the field; a change is published on {@code tenant.settings-changed.v1}.
     */
    @PUT
    public Uni<RiskSettingsView> put(JsonNode body, @Context UriInfo uri) {
        Caller caller = Caller.of(identity);
        String named = namedTenant(body);
        if (named != null && !named.equals(caller.tenant())) {
            // A body naming another tenant is refused like a header naming one.
            return refusals.forbidden(caller, "PUT", uri.getRequestUri().getPath(),
                            io.keystep.events.AccessRefused.Reason.CROSS_TENANT,
                            named.matches("[A-Za-z0-9._-]{1,64}") ? named : "(malformed)")
                    .chain(() -> Uni.createFrom().failure(new ProblemException(Problem.of(403, "cross-tenant",
                            "Forbidden", "the request names a tenant other than the caller's"))));
        }
        RiskSettings requested = read(body);
        bounds.validate(requested, settings.defaultsFor(caller.tenant()));
        return settings.replace(caller.tenant(), requested).chain(before -> {
            List<TenantSettingsChanged.Change> changes = changes(before, requested);
            Uni<Void> published = changes.isEmpty() ? Uni.createFrom().voidItem()
                    : trail.settingsChanged(caller.tenant(), new TenantSettingsChanged(AREA, caller.subject(), changes));
            if (!changes.isEmpty()) {
                LOG.infof("Risk settings of tenant %s changed by %s: %s", caller.tenant(), caller.subject(),
                        changes.stream().map(TenantSettingsChanged.Change::field).toList());
            }
            return published.replaceWith(view(caller.tenant(), requested));
        });
    }

    private RiskSettingsView view(String tenant, RiskSettings overrides) {
        return RiskSettingsView.of(RiskSettingsPolicy.apply(settings.defaultsFor(tenant), overrides), overrides);
    }

    /** The tenant a body names in {@code tenantId} or {@code tenant}, if any (it may only name the caller's). */
    private static String namedTenant(JsonNode body) {
        if (body == null || !body.isObject()) {
            return null;
        }
        for (String field : TENANT_FIELDS) {
            JsonNode node = body.get(field);
            if (node != null && !node.isNull()) {
                return node.asText();
            }
        }
        return null;
    }

    /** The request's overrides; a field this API does not know is refused rather than silently ignored. */
    private RiskSettings read(JsonNode body) {
        if (body == null || body.isNull()) {
            return RiskSettings.NONE;
        }
        if (!body.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
        Set<String> known = new HashSet<>(RiskSettings.FIELDS);
        known.addAll(TENANT_FIELDS);
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ProblemException.invalid(name, "is not a risk setting");
            }
        }
        for (String list : List.of("allowNetworks", "denyNetworks")) {
            JsonNode node = body.get(list);
            if (node != null && !node.isNull() && !node.isArray()) {
                throw ProblemException.invalid(list, "must be a list of CIDR ranges");
            }
        }
        com.fasterxml.jackson.databind.node.ObjectNode settingsOnly = body.deepCopy();
        settingsOnly.remove(TENANT_FIELDS);
        try {
            return mapper.treeToValue(settingsOnly, RiskSettings.class);
        } catch (JsonProcessingException e) {
            String field = e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()
                    ? m.getPath().get(0).getFieldName() : "body";
            throw ProblemException.invalid(field == null ? "body" : field, "has a value of the wrong type");
        }
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
