package io.keystep.console.screens;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Form values as the APIs take them. */
public final class Forms {

    private Forms() {
    }

    /**
     * A {@code datetime-local} field's value (the console shows and takes times in UTC) as an ISO-8601 instant; an
     * instant is passed on as it is and anything else unchanged, for the API to name in its refusal.
     */
    public static String instant(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        try {
            return Instant.parse(trimmed).toString();
        } catch (DateTimeParseException notAnInstant) {
            try {
                return LocalDateTime.parse(trimmed).toInstant(ZoneOffset.UTC).toString();
            } catch (DateTimeParseException notLocal) {
                return trimmed;
            }
        }
    }

    /** An ISO instant as a {@code datetime-local} field shows it (UTC, minutes). */
    public static String local(String instant) {
        if (instant == null || instant.isBlank()) {
            return "";
        }
        try {
            return LocalDateTime.ofInstant(Instant.parse(instant.trim()), ZoneOffset.UTC).withSecond(0).withNano(0)
                    .toString();
        } catch (DateTimeParseException e) {
            return instant;
        }
    }

    public static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
