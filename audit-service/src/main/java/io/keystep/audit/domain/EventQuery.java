package io.keystep.audit.domain;

import java.time.Instant;
import java.util.UUID;

/**
 * Filters of a search of one tenant's trail; every filter but the tenant is optional (null).
 *
 * @param tenantId      the tenant whose rows are searched
 * @param userId        only this user's rows
 * @param type          only this event type, for example {@code verification.completed}
 * @param outcome       only rows whose payload's outcome is this, for example {@code APPROVED}
 * @param channel       only rows whose payload names this channel (delivery channel or first planned channel)
 * @param correlationId only rows of this login or verification
 * @param from          occurred at or after
 * @param to            occurred before
 * @param text          only rows whose type or (redacted) payload contains this text, ignoring case; taken literally
 * @param before        cursor: only rows older than this position (newest-first order)
 */
public record EventQuery(String tenantId, String userId, String type, String outcome, String channel,
                         String correlationId, Instant from, Instant to, String text, Position before) {

    /** A place in the newest-first order: occurred-at, then event id. */
    public record Position(Instant occurredAt, UUID eventId) {
    }

    public EventQuery withBefore(Position position) {
        return new EventQuery(tenantId, userId, type, outcome, channel, correlationId, from, to, text, position);
    }
}
