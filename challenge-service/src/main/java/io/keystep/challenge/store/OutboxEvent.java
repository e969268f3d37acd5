package io.keystep.challenge.store;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * An event written in the transaction of the change it announces, waiting for {@code OutboxRelay} to publish it:
 * the record exactly as it will be sent (topic, key, JSON value, headers as a JSON object).
 */
@Entity
@Table(name = "event_outbox")
public class OutboxEvent extends PanacheEntityBase {

    /** The relay's order: ascending, assigned at insert. */
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "event_id", nullable = false)
    public UUID eventId;

    @Column(nullable = false)
    public String topic;

    @Column(name = "record_key", nullable = false)
    public String recordKey;

    @Column(nullable = false)
    public String payload;

    @Column(nullable = false)
    public String headers;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** A new pending row. */
    public static OutboxEvent of(UUID eventId, String topic, String recordKey, String payload, String headers,
                                 Instant createdAt) {
        OutboxEvent e = new OutboxEvent();
        e.eventId = eventId;
        e.topic = topic;
        e.recordKey = recordKey;
        e.payload = payload;
        e.headers = headers;
        e.createdAt = createdAt;
        return e;
    }
}
