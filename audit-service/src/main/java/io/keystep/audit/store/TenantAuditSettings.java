package io.keystep.audit.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A tenant's own audit settings; a null field falls back to the platform default. */
@Entity
@Table(name = "audit_tenant_settings")
public class TenantAuditSettings extends PanacheEntityBase {

    @Id
    @Column(name = "tenant_id")
    public String tenantId;

    /** Set only by the database's retention functions (migration V5): the floor and the delay hold there. */
    @Column(name = "retention_months", insertable = false, updatable = false)
    public Integer retentionMonths;

    @Column(name = "search_default_limit")
    public Integer searchDefaultLimit;

    @Column(name = "conversion_alert_threshold")
    public Double conversionAlertThreshold;

    @Column(name = "conversion_alert_min_volume")
    public Integer conversionAlertMinVolume;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Subject of the administrator who changed them last. */
    @Column(name = "updated_by", nullable = false)
    public String updatedBy;
}
