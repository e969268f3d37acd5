package io.keystep.audit.api;

import io.keystep.audit.domain.EventQuery;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Parsing of the parameters the audit endpoints share, and of request fields. One instance reads one request: a
 * bad value is noted and read as absent, and {@link #check()} then refuses the request with a single 400 that names
 * every bad parameter, so a caller fixes them in one round rather than one per request.
 */
final class RequestParameters {

    private final List<Problem.FieldError> errors = new ArrayList<>();

    /**
     * An ISO-8601 date-time with offset ({@code 2026-03-01T00:00:00Z}), a local date-time or a date (both taken
     * as UTC, a date as its start), or null when absent or bad.
     */
    Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.trim();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                try {
                    return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException notADate) {
                    return refuse(name, "must be an ISO-8601 date-time such as 2026-03-01T00:00:00Z");
                }
            }
        }
    }

    /** The {@code limit} parameter between 1 and {@code maxLimit}, or null when absent or bad. */
    Integer limit(String value, int maxLimit) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            return limit < 1 || limit > maxLimit ? refuse("limit", "must be between 1 and " + maxLimit) : limit;
        } catch (NumberFormatException e) {
            return refuse("limit", "must be a whole number");
        }
    }

    /** The position a {@code cursor} this API gave out stands for, or null when absent or bad. */
    EventQuery.Position position(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            return new EventQuery.Position(Instant.parse(text.substring(0, bar)), UUID.fromString(text.substring(bar + 1)));
        } catch (RuntimeException e) {
            return refuse("cursor", "is not a cursor this API gave out");
        }
    }

    /** Notes a bad parameter; always null, the value it is read as. */
    <T> T refuse(String name, String message) {
        errors.add(new Problem.FieldError(name, message));
        return null;
    }

    /** Refuses the request, naming every bad parameter, when there is one. */
    void check() {
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }

    static String optional(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    static String cursor(EventQuery.Position position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                (position.occurredAt() + "|" + position.eventId()).getBytes(StandardCharsets.UTF_8));
    }
}
