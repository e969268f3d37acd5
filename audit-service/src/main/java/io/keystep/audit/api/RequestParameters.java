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
import java.util.Base64;
import java.util.UUID;

/**
 * The formats of the parameters the audit endpoints share. {@link QueryParameterRules} refuses a bad value before
 * a resource runs; these read a valid one.
 */
final class RequestParameters {

    private RequestParameters() {
    }

    /**
     * An ISO-8601 date-time with offset ({@code 2026-03-01T00:00:00Z}), a local date-time or a date (both taken
     * as UTC, a date as its start); null when absent.
     *
     * @throws DateTimeParseException when it is none of these
     */
    static Instant instant(String value) {
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
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
        }
    }

    /** A {@code limit} parameter; null when absent. @throws NumberFormatException when not a whole number */
    static Integer limit(String value) {
        return value == null || value.isBlank() ? null : Integer.parseInt(value.trim());
    }

    /**
     * The position a {@code cursor} this API gave out stands for; null when absent.
     *
     * @throws RuntimeException when it is not such a cursor
     */
    static EventQuery.Position position(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        String text = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
        int bar = text.indexOf('|');
        return new EventQuery.Position(Instant.parse(text.substring(0, bar)), UUID.fromString(text.substring(bar + 1)));
    }

    static String optional(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    static String cursor(EventQuery.Position position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                (position.occurredAt() + "|" + position.eventId()).getBytes(StandardCharsets.UTF_8));
    }
}
