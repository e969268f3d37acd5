package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A device a user trusts: only the SHA-256 of its token and of its fingerprint are kept. */
@Entity
@Table(name = "trusted_device")
public class TrustedDevice extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "token_hash", nullable = false)
    public String tokenHash;

    @Column(name = "fingerprint_hash", nullable = false)
    public String fingerprintHash;

    public String label;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;
}
