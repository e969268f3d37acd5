package io.keystep.audit.store;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.AuditSettings;
import io.keystep.audit.domain.RetentionChange;
import io.keystep.audit.domain.RetentionPolicy;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.events.Topics;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
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
 * and committed only once Kafka acknowledged it, so that no change escapes the audit trail. The retention goes
 * through {@link RetentionChanges}: never under the floor, a shortening only after the delay.
 */
@ApplicationScoped
public class TenantSettingsStore {

    public static final String AREA = SettingsAnnouncements.AREA;

    /** A change asked for; an unnamed field stays as it is, a named null returns to the default. */
    public record Change(boolean retentionNamed, Integer retentionMonths, boolean pageSizeNamed, Integer pageSize,
                         boolean thresholdNamed, Double threshold, boolean minVolumeNamed, Integer minVolume) {
    }

    /** The settings in force and the retention change waiting for its time, if any. */
    public record View(AuditSettings settings, RetentionChange pending) {
    }

    /** A shortening asked for by a caller who may not shorten the retention. */
    public static final class ShorteningRefused extends RuntimeException {
        public ShorteningRefused() {
            super("only the compliance role may shorten the retention", null, false, false);
        }
    }

    private final AuditConfig config;
    private final RetentionChanges retention;
    private final SettingsAnnouncements announcements;
    private final Clock clock;

    public TenantSettingsStore(AuditConfig config, RetentionChanges retention, SettingsAnnouncements announcements,
                               Clock clock) {
        this.config = config;
        this.retention = retention;
        this.announcements = announcements;
        this.clock = clock;
    }

    public RetentionPolicy policy() {
        return new RetentionPolicy(config.retention().floorMonths(), config.retention().shorteningDelay());
    }

    /** The platform defaults for a tenant, from configuration. */
    public AuditSettings defaults(String tenant) {
        return new AuditSettings(config.retention().monthsFor(tenant), config.query().defaultLimit(),
                config.conversion().alertThreshold(), config.conversion().alertMinVolume());
    }

    /** The settings in force for a tenant. */
    public Uni<AuditSettings> settingsOf(String tenant) {
        return Panache.withSession(() -> TenantAuditSettings.<TenantAuditSettings>findById(tenant))
                .map(row -> inForce(tenant, row));
    }

    /** The settings in force and the pending retention change. */
    public Uni<View> viewOf(String tenant) {
        return Panache.withSession(() -> TenantAuditSettings.<TenantAuditSettings>findById(tenant)
                .chain(row -> retention.pending(tenant).map(pending -> new View(inForce(tenant, row), pending))));
    }

    /**
     * Makes the change. When anything changed, publishes it and commits once Kafka acknowledged it; a failed
     * publication changes nothing. Fails with {@link ShorteningRefused} when the retention would be shortened and
     * {@code mayShorten} is false.
     */
    public Uni<View> change(String tenant, Change next, String subject, boolean mayShorten) {
        Instant now = clock.instant();
        int defaultMonths = config.retention().monthsFor(tenant);
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session
                // the row exists from here on, so that concurrent changes of one tenant queue on its lock
                .createNativeQuery("INSERT INTO audit_tenant_settings (tenant_id, updated_at, updated_by)"
                        + " VALUES (?1, ?2, ?3) ON CONFLICT (tenant_id) DO NOTHING")
                .setParameter(1, tenant).setParameter(2, now).setParameter(3, subject).executeUpdate())
                .chain(() -> TenantAuditSettings.<TenantAuditSettings>findById(tenant, LockModeType.PESSIMISTIC_WRITE))
                .chain(row -> retention.pending(tenant).chain(pending -> {
                    List<TenantSettingsChanged.Change> changes = new ArrayList<>();
                    if (next.pageSizeNamed() && !Objects.equals(row.searchDefaultLimit, next.pageSize())) {
                        changes.add(new TenantSettingsChanged.Change(AuditSettings.SEARCH_DEFAULT_LIMIT,
                                text(row.searchDefaultLimit), text(next.pageSize())));
                        row.searchDefaultLimit = next.pageSize();
                        row.updatedAt = now;
                        row.updatedBy = subject;
                    }
                    if (next.thresholdNamed() && !Objects.equals(row.conversionAlertThreshold, next.threshold())) {
                        changes.add(new TenantSettingsChanged.Change(AuditSettings.CONVERSION_ALERT_THRESHOLD,
                                text(row.conversionAlertThreshold), text(next.threshold())));
                        row.conversionAlertThreshold = next.threshold();
                        row.updatedAt = now;
                        row.updatedBy = subject;
                    }
                    if (next.minVolumeNamed() && !Objects.equals(row.conversionAlertMinVolume, next.minVolume())) {
                        changes.add(new TenantSettingsChanged.Change(AuditSettings.CONVERSION_ALERT_MIN_VOLUME,
                                text(row.conversionAlertMinVolume), text(next.minVolume())));
                        row.conversionAlertMinVolume = next.minVolume();
                        row.updatedAt = now;
                        row.updatedBy = subject;
                    }
                    boolean retentionChanges = next.retentionNamed()
                            && (pending != null || !Objects.equals(row.retentionMonths, next.retentionMonths()));
                    if (!retentionChanges) {
                        return announced(tenant, subject, changes).replaceWith(new View(inForce(tenant, row), pending));
                    }
                    if (!mayShorten && policy().shortens(row.retentionMonths, next.retentionMonths(), defaultMonths)) {
                        return Uni.createFrom().failure(new ShorteningRefused());
                    }
                    Instant effectiveAt = policy().effectiveAt(row.retentionMonths, next.retentionMonths(),
                            defaultMonths, now);
                    return retention.request(tenant, next.retentionMonths(), subject, now, effectiveAt).chain(asked -> {
                        changes.addAll(RetentionChanges.asked(asked, pending));
                        Integer own = asked.applied() ? asked.monthsAfter() : row.retentionMonths;
                        AuditSettings settings = new AuditSettings(policy().inForce(own, defaultMonths),
                                pageSize(row.searchDefaultLimit), threshold(row.conversionAlertThreshold),
                                minVolume(row.conversionAlertMinVolume));
                        return announced(tenant, subject, changes)
                                .replaceWith(new View(settings, asked.applied() ? null : asked));
                    });
                })));
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

    private Uni<Void> announced(String tenant, String subject, List<TenantSettingsChanged.Change> changes) {
        return changes.isEmpty() ? Uni.createFrom().voidItem() : announcements.announce(tenant, subject, changes);
    }

    private AuditSettings inForce(String tenant, TenantAuditSettings row) {
        return new AuditSettings(policy().inForce(row == null ? null : row.retentionMonths,
                config.retention().monthsFor(tenant)), pageSize(row == null ? null : row.searchDefaultLimit),
                threshold(row == null ? null : row.conversionAlertThreshold),
                minVolume(row == null ? null : row.conversionAlertMinVolume));
    }

    private int pageSize(Integer own) {
        return own != null ? own : config.query().defaultLimit();
    }

    private double threshold(Double own) {
        return own != null ? own : config.conversion().alertThreshold();
    }

    private int minVolume(Integer own) {
        return own != null ? own : config.conversion().alertMinVolume();
    }

    private static String text(Number value) {
        return value == null ? null : value.toString();
    }
}
