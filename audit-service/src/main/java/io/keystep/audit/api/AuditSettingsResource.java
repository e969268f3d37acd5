package io.keystep.audit.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.AuditSettings;
import io.keystep.audit.domain.RetentionChange;
import io.keystep.audit.store.TenantSettingsStore;
import io.keystep.events.AccessRefused;
import io.keystep.kit.web.AccessRefusals;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A tenant's audit settings: how long its trail is kept, the page size of its searches and the conversion alert
 * thresholds of its analytics. GET answers the values in force and a retention change waiting for its time; PUT
 * changes the fields it names (a named null returns to the platform default, an unnamed field stays). The page size
 * and the conversion thresholds are the administrator's; the retention may be lengthened
 * by the administrator or the compliance role, takes effect at once, and shortened only by the compliance role, never
 * under the operator's floor, and only after the operator's delay. Each change is published as
 * {@code tenant.settings-changed.v1}.
 */
@Path("/v1/settings/audit")
@RolesAllowed({Roles.ADMIN, Roles.COMPLIANCE})
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AuditSettingsResource {

    /** The fields a PUT may carry; each optional. */
    public record AuditSettingsRequest(Integer retentionMonths, Integer searchDefaultLimit,
                                       Double conversionAlertThreshold, Integer conversionAlertMinVolume) {
    }

    /** The settings in force, the floor under any retention, and a shortening waiting for its time. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuditSettingsView(int retentionMonths, int searchDefaultLimit, double conversionAlertThreshold,
                                    int conversionAlertMinVolume, int retentionFloorMonths,
                                    PendingRetention pendingRetention) {
    }

    /**
     * A retention change waiting for its time.
     *
     * @param retentionMonths the retention in force once it takes effect
     * @param toDefault       whether the tenant then follows the platform default
     */
    public record PendingRetention(int retentionMonths, boolean toDefault, Instant effectiveAt, String requestedBy,
                                   Instant requestedAt) {
    }

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(AuditSettingsResource.class);
    private static final List<String> FIELDS = List.of(AuditSettings.RETENTION_MONTHS,
            AuditSettings.SEARCH_DEFAULT_LIMIT, AuditSettings.CONVERSION_ALERT_THRESHOLD,
            AuditSettings.CONVERSION_ALERT_MIN_VOLUME);
    /** The fields only the administrator may change. */
    private static final List<String> ADMIN_FIELDS = List.of(AuditSettings.SEARCH_DEFAULT_LIMIT,
            AuditSettings.CONVERSION_ALERT_THRESHOLD, AuditSettings.CONVERSION_ALERT_MIN_VOLUME);

    private final TenantSettingsStore settings;
    private final AuditConfig config;
    private final Caller caller;
    private final SecurityIdentity identity;
    private final AccessRefusals refusals;

    public AuditSettingsResource(TenantSettingsStore settings, AuditConfig config, Caller caller,
                                 SecurityIdentity identity, AccessRefusals refusals) {
        this.settings = settings;
        this.config = config;
        this.caller = caller;
        this.identity = identity;
        this.refusals = refusals;
    }

    @GET
    public Uni<AuditSettingsView> get(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        return settings.viewOf(tenant).map(view -> view(tenant, view));
    }

    @PUT
    public Uni<AuditSettingsView> put(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader, @Context UriInfo uri,
                                      @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                              schema = @Schema(implementation = AuditSettingsRequest.class))) JsonNode json) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        if (json != null && !json.isNull() && !json.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
        // Read from the JSON tree, not bound to a record: a value of the wrong type is named beside the others,
        // where binding would stop at the first; and an unnamed field is told from a null one.
        List<Problem.FieldError> fields = new ArrayList<>();
        if (json != null && json.isObject()) {
            for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    fields.add(new Problem.FieldError(name, "is not an audit setting (" + String.join(", ", FIELDS)
                            + ")"));
                }
            }
        }
        int floor = config.retention().floorMonths();
        Integer retention = integer(fields, json, AuditSettings.RETENTION_MONTHS, floor,
                AuditSettings.MAX_RETENTION_MONTHS, " (the operator's floor is " + floor + " months)");
        Integer pageSize = integer(fields, json, AuditSettings.SEARCH_DEFAULT_LIMIT,
                AuditSettings.MIN_SEARCH_DEFAULT_LIMIT, config.query().maxLimit(), "");
        Double threshold = share(fields, json, AuditSettings.CONVERSION_ALERT_THRESHOLD);
        Integer minVolume = integer(fields, json, AuditSettings.CONVERSION_ALERT_MIN_VOLUME,
                AuditSettings.MIN_CONVERSION_ALERT_MIN_VOLUME, AuditSettings.MAX_CONVERSION_ALERT_MIN_VOLUME, "");
        if (!fields.isEmpty()) {
            throw ProblemException.invalid(fields);
        }
        if (!identity.hasRole(Roles.ADMIN)) {
            for (String field : ADMIN_FIELDS) {
                if (named(json, field)) {
                    return refused(tenant, uri, field, "only the admin role may change it");
                }
            }
        }
        TenantSettingsStore.Change change = new TenantSettingsStore.Change(named(json, AuditSettings.RETENTION_MONTHS),
                retention, named(json, AuditSettings.SEARCH_DEFAULT_LIMIT), pageSize,
                named(json, AuditSettings.CONVERSION_ALERT_THRESHOLD), threshold,
                named(json, AuditSettings.CONVERSION_ALERT_MIN_VOLUME), minVolume);
        // the change commits only once Kafka acknowledged its event: without Kafka nothing changes
        return settings.change(tenant, change, caller.subject(), identity.hasRole(Roles.COMPLIANCE))
                .map(view -> view(tenant, view))
                .onFailure(TenantSettingsStore.ShorteningRefused.class).recoverWithUni(e -> refused(tenant, uri,
                        AuditSettings.RETENTION_MONTHS, "only the compliance role may shorten the retention"))
                .onFailure(e -> !(e instanceof ProblemException)).transform(e -> {
                    LOG.warnf("audit settings of %s not changed: %s", tenant, e.toString());
                    return ProblemException.unavailable("the change could not be recorded and was not made; try again");
                });
    }

    private AuditSettingsView view(String tenant, TenantSettingsStore.View view) {
        RetentionChange pending = view.pending();
        int defaultMonths = config.retention().monthsFor(tenant);
        return new AuditSettingsView(view.settings().retentionMonths(), view.settings().searchDefaultLimit(),
                view.settings().conversionAlertThreshold(), view.settings().conversionAlertMinVolume(),
                settings.policy().floorMonths(), pending == null ? null : new PendingRetention(
                settings.policy().inForce(pending.monthsAfter(), defaultMonths), pending.monthsAfter() == null,
                pending.effectiveAt(), pending.requestedBy(), pending.requestedAt()));
    }

    /** A 403 naming the field the caller's role may not change, published as an access refusal. */
    private <T> Uni<T> refused(String tenant, UriInfo uri, String field, String message) {
        return refusals.forbidden(tenant, caller.subject(), "PUT", uri.getPath(), AccessRefused.Reason.ROLE_NOT_ALLOWED,
                null).chain(() -> Uni.createFrom().failure(new ProblemException(new Problem(Problem.BASE
                + "role-not-allowed", "Forbidden", 403, "the caller's role does not allow this change",
                List.of(new Problem.FieldError(field, message)), null))));
    }

    private static boolean named(JsonNode json, String field) {
        return json != null && json.isObject() && json.has(field);
    }

    /**
     * The field as a number from 0 to 1, or null when absent or null (back to the default) or bad (noted in
     * {@code fields}).
     */
    private static Double share(List<Problem.FieldError> fields, JsonNode json, String field) {
        JsonNode node = json == null ? null : json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        double value = node.isNumber() ? node.doubleValue() : Double.NaN;
        if (!(value >= 0 && value <= 1)) {
            fields.add(new Problem.FieldError(field, "must be a number between 0 and 1"));
            return null;
        }
        return value;
    }

    /**
     * The field as a whole number within bounds, or null when absent or null (back to the default) or bad (noted in
     * {@code fields}).
     */
    private static Integer integer(List<Problem.FieldError> fields, JsonNode json, String field, int min, int max,
                                   String why) {
        JsonNode node = json == null ? null : json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            fields.add(new Problem.FieldError(field, "must be a whole number between " + min + " and " + max + why));
            return null;
        }
        int value = node.intValue();
        if (value < min || value > max) {
            fields.add(new Problem.FieldError(field, "must be between " + min + " and " + max + why));
            return null;
        }
        return value;
    }
}
