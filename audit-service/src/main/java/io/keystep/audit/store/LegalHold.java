package io.keystep.audit.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A legal hold: while active, retention deletes nothing of the tenant (or of the one user). */
@Entity
@Table(name = "audit_legal_hold")
public class LegalHold extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    /** The user held, or null for the whole tenant. */
    @Column(name = "user_id")
    public String userId;

    @Column(nullable = false)
    public String reason;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "released_at")
    public Instant releasedAt;
}
