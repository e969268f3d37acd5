package io.keystep.audit.store;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.AuditSettings;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.events.Topics;
import io.keystep.kit.messaging.PlatformEvents;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tenants' audit settings: overrides in PostgreSQL ({@code audit_tenant_settings}) over the platform defaults of
 * the configuration. A change is published as {@link TenantSettingsChanged} on {@link Topics#TENANT_SETTINGS_CHANGED}
 * and committed only once Kafka acknowledged it, so that no change escapes the audit trail.
 */
@ApplicationScoped
public class TenantSettingsStore {

    public static final String AREA = "audit";

    private final AuditConfig config;
    private final PlatformEvents events;
    private final Clock clock;

    public TenantSettingsStore(AuditConfig config, PlatformEvents events, Clock clock) {
        this.config = config;
        this.events = events;
        this.clock = clock;
    }

    /** The platform defaults for a tenant, from configuration. */
    public AuditSettings defaults(String tenant) {
        return new AuditSettings(config.retention().monthsFor(tenant), config.query().defaultLimit());
    }

    /** The settings in force for a tenant. */
    public Uni<AuditSettings> settingsOf(String tenant) {
        return Panache.withSession(() -> TenantAuditSettings.<TenantAuditSettings>findById(tenant))
                .map(row -> overrides(row).over(defaults(tenant)));
    }

    /**
     * Replaces the tenant's overrides by {@code next} (a null field returns to the default). When anything changed,
     * publishes the change and commits once Kafka acknowledged it; a failed publication changes nothing.
     */
    public Uni<AuditSettings> replace(String tenant, AuditSettings.Overrides next, String subject) {
        Instant now = clock.instant();
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session
                // the row exists from here on, so that concurrent changes of one tenant queue on its lock
                .createNativeQuery("INSERT INTO audit_tenant_settings (tenant_id, updated_at, updated_by)"
                        + " VALUES (?1, ?2, ?3) ON CONFLICT (tenant_id) DO NOTHING")
                .setParameter(1, tenant).setParameter(2, now).setParameter(3, subject).executeUpdate())
                .chain(() -> TenantAuditSettings.<TenantAuditSettings>findById(tenant, LockModeType.PESSIMISTIC_WRITE))
                .chain(row -> {
                    List<TenantSettingsChanged.Change> changed = diff(overrides(row), next);
                    if (changed.isEmpty()) {
                        return Uni.createFrom().item(next);
                    }
                    row.retentionMonths = next.retentionMonths();
                    row.searchDefaultLimit = next.searchDefaultLimit();
                    row.updatedAt = now;
                    row.updatedBy = subject;
                    return announce(tenant, subject, now, changed).replaceWith(next);
                }))
                .map(saved -> saved.over(defaults(tenant)));
    }

    /** Every tenant's retention override, for the retention job (JDBC, outside any request). */
    public static Map<String, Integer> retentionOverrides(java.sql.Connection connection) throws java.sql.SQLException {
        Map<String, Integer> months = new java.util.HashMap<>();
        try (var s = connection.createStatement(); var rs = s.executeQuery(
                "SELECT tenant_id, retention_months FROM audit_tenant_settings WHERE retention_months IS NOT NULL")) {
            while (rs.next()) {
                months.put(rs.getString(1), rs.getInt(2));
            }
        }
        return months;
    }

    static List<TenantSettingsChanged.Change> diff(AuditSettings.Overrides before, AuditSettings.Overrides after) {
        List<TenantSettingsChanged.Change> changed = new ArrayList<>();
        Map<String, Integer> old = before.byField();
        after.byField().forEach((field, value) -> {
            if (!Objects.equals(old.get(field), value)) {
                changed.add(new TenantSettingsChanged.Change(field, text(old.get(field)), text(value)));
            }
        });
        return changed;
    }

    private static String text(Integer value) {
        return value == null ? null : value.toString();
    }

    private static AuditSettings.Overrides overrides(TenantAuditSettings row) {
        return row == null ? AuditSettings.Overrides.NONE
                : new AuditSettings.Overrides(row.retentionMonths, row.searchDefaultLimit);
    }

    /** Publishes the change, keyed {@code tenant:subject}; completes when Kafka acknowledged it. */
    private Uni<Void> announce(String tenant, String subject, Instant at, List<TenantSettingsChanged.Change> changed) {
        // the acknowledgement arrives on a Kafka thread; the transaction goes on on its own Vert.x context
        Context context = Vertx.currentContext();
        Uni<Void> sent = events.settingsChanged(tenant, new TenantSettingsChanged(AREA, subject, changed));
        return context == null ? sent : sent.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }
}
