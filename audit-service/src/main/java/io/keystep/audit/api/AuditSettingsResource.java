package io.keystep.audit.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.kit.web.Problem;
import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.AuditSettings;
import io.keystep.audit.store.TenantSettingsStore;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A tenant's audit settings: how long its trail is kept and the page size of its searches. GET answers the values in
 * force; PUT replaces the tenant's overrides (an absent field returns to the platform default), a value outside its
 * bounds is a 400 naming the field, and each change is published as {@code tenant.settings-changed.v1}.
 */
@Path("/v1/settings/audit")
@RolesAllowed(Roles.ADMIN)
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AuditSettingsResource {

    /** The overrides a PUT may carry; every field optional. */
    public record AuditSettingsRequest(Integer retentionMonths, Integer searchDefaultLimit) {
    }

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(AuditSettingsResource.class);
    private static final Set<String> FIELDS = Set.of(AuditSettings.RETENTION_MONTHS, AuditSettings.SEARCH_DEFAULT_LIMIT);

    private final TenantSettingsStore settings;
    private final AuditConfig config;
    private final Caller caller;

    public AuditSettingsResource(TenantSettingsStore settings, AuditConfig config, Caller caller) {
        this.settings = settings;
        this.config = config;
        this.caller = caller;
    }

    @GET
    public Uni<AuditSettings> get(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader) {
        return settings.settingsOf(caller.tenant(Caller.TENANT_HEADER, tenantHeader));
    }

    @PUT
    public Uni<AuditSettings> put(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                  @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                          schema = @Schema(implementation = AuditSettingsRequest.class))) JsonNode json) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        if (json != null && !json.isNull() && !json.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
        // Read from the JSON tree, not bound to a record: a value of the wrong type is named beside the others,
        // where binding would stop at the first.
        List<Problem.FieldError> fields = new ArrayList<>();
        if (json != null && json.isObject()) {
            for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    fields.add(new Problem.FieldError(name, "is not an audit setting (" + String.join(", ",
                            AuditSettings.RETENTION_MONTHS, AuditSettings.SEARCH_DEFAULT_LIMIT) + ")"));
                }
            }
        }
        Integer retention = integer(fields, json, AuditSettings.RETENTION_MONTHS, AuditSettings.MIN_RETENTION_MONTHS,
                AuditSettings.MAX_RETENTION_MONTHS);
        Integer pageSize = integer(fields, json, AuditSettings.SEARCH_DEFAULT_LIMIT,
                AuditSettings.MIN_SEARCH_DEFAULT_LIMIT, config.query().maxLimit());
        if (!fields.isEmpty()) {
            throw ProblemException.invalid(fields);
        }
        // the change commits only once Kafka acknowledged its event: without Kafka nothing changes
        return settings.replace(tenant, new AuditSettings.Overrides(retention, pageSize), caller.subject())
                .onFailure(e -> !(e instanceof ProblemException)).transform(e -> {
                    LOG.warnf("audit settings of %s not changed: %s", tenant, e.toString());
                    return ProblemException.unavailable("the change could not be recorded and was not made; try again");
                });
    }

    /**
     * The field as a whole number within bounds, or null when absent (or null: back to the default) or bad (noted
     * in {@code fields}).
     */
    private static Integer integer(List<Problem.FieldError> fields, JsonNode json, String field, int min, int max) {
        JsonNode node = json == null ? null : json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            fields.add(new Problem.FieldError(field, "must be a whole number between " + min + " and " + max));
            return null;
        }
        int value = node.intValue();
        if (value < min || value > max) {
            fields.add(new Problem.FieldError(field, "must be between " + min + " and " + max));
            return null;
        }
        return value;
    }
}
