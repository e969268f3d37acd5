package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** One recovery code of a user: only its salted Argon2id hash. */
@Entity
@Table(name = "recovery_code")
public class RecoveryCode extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "code_hash", nullable = false)
    public String codeHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "used_at")
    public Instant usedAt;
}
