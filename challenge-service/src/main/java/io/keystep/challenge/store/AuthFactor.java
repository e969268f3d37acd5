package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * An authenticator factor of a user: TOTP or HOTP (the secret only encrypted), or a passkey (whose credential is in
 * {@code passkey_credential}; it has no algorithm, digits, period or secret here).
 */
@Entity
@Table(name = "auth_factor")
public class AuthFactor extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(nullable = false)
    public String kind;

    @Column(nullable = false)
    public String label;

    public String algorithm;

    public Integer digits;

    @Column(name = "period_seconds")
    public Integer periodSeconds;

    @Column(name = "secret_ciphertext")
    public String secretCiphertext;

    @Column(nullable = false)
    public String status;

    @Column(nullable = false)
    public boolean preferred;

    @Column(name = "last_step")
    public Long lastStep;

    @Column(name = "drift_steps", nullable = false)
    public int driftSteps;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "activated_at")
    public Instant activatedAt;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;
}
