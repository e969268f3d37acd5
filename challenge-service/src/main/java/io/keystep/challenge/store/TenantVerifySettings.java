package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A tenant's own Verify defaults; null fields fall back to the platform's. */
@Entity
@Table(name = "tenant_verify_settings")
public class TenantVerifySettings extends PanacheEntityBase {

    @Id
    @Column(name = "tenant_id")
    public String tenantId;

    @Column(name = "code_length")
    public Integer codeLength;

    @Column(name = "expiry_seconds")
    public Integer expirySeconds;

    @Column(name = "max_attempts")
    public Integer maxAttempts;

    /** Comma-separated channel names, for example {@code SMS,VOICE}. */
    @Column(name = "auto_channels")
    public String autoChannels;

    /** JSON object of send-limit and lockout overrides, field name to integer (see {@code TenantSettings.LIMITS}). */
    @Column(name = "limits")
    public String limits;

    /** Comma-separated region codes a code may be sent to by phone, for example {@code DE,FR}; null = all. */
    @Column(name = "allowed_countries")
    public String allowedCountries;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
