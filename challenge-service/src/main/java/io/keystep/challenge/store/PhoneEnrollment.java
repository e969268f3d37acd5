package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A user's enrolled phone number (E.164), where SMS challenges go. */
@Entity
@Table(name = "phone_enrollment")
public class PhoneEnrollment extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "user_id", nullable = false)
    public String userId;

    @Column(name = "phone_number", nullable = false)
    public String phoneNumber;

    @Column(name = "enrolled_at", nullable = false)
    public Instant enrolledAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
