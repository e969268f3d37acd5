package io.keystep.audit.api;

import io.keystep.audit.domain.EventQuery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;

/** Parsing of the query parameters every audit endpoint shares; a bad value is a 400 naming the parameter. */
final class RequestParameters {

    private RequestParameters() {
    }

    /**
     * An ISO-8601 date-time with offset ({@code 2026-03-01T00:00:00Z}), a local date-time or a date (both taken
     * as UTC, a date as its start), or null when absent.
     */
    static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            try {
                return java.time.LocalDateTime.parse(text).toInstant(java.time.ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                try {
                    return java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException notADate) {
                    throw ProblemException.invalid(name, "must be an ISO-8601 date-time such as 2026-03-01T00:00:00Z");
                }
            }
        }
    }

    static int limit(String value, int defaultLimit, int maxLimit) {
        if (value == null || value.isBlank()) {
            return defaultLimit;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit < 1 || limit > maxLimit) {
                throw ProblemException.invalid("limit", "must be between 1 and " + maxLimit);
            }
            return limit;
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("limit", "must be a whole number");
        }
    }

    static String optional(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    static String cursor(EventQuery.Position position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                (position.occurredAt() + "|" + position.eventId()).getBytes(StandardCharsets.UTF_8));
    }

    static EventQuery.Position position(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            return new EventQuery.Position(Instant.parse(text.substring(0, bar)), UUID.fromString(text.substring(bar + 1)));
        } catch (RuntimeException e) {
            throw ProblemException.invalid("cursor", "is not a cursor this API gave out");
        }
    }
}
