package io.keystep.events;

import java.util.List;

/**
 * An administrator changed a tenant's settings. Topic {@link Topics#TENANT_SETTINGS_CHANGED}; record key
 * {@code tenantId:changedBy}.
 *
 * @param area      which settings: {@code verify} (challenge-service), {@code delivery}, {@code risk},
 *                  {@code audit}
 * @param changedBy the administrator's identity, the token's subject
 * @param changes   every field whose value changed, with its value before and after (as text)
 */
public record TenantSettingsChanged(String area, String changedBy, List<Change> changes) {

    public static final String TYPE = "tenant.settings-changed";

    /** One field's change; {@code before} is null when the tenant had the default until now. */
    public record Change(String field, String before, String after) {

        public Change {
            Required.text(field, "field");
        }
    }

    public TenantSettingsChanged {
        Required.text(area, "area");
        Required.text(changedBy, "changedBy");
        changes = List.copyOf(Required.value(changes, "changes"));
    }
}
