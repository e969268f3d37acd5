package io.keystep.events;

/** Field checks shared by the records' compact constructors, so that a malformed event fails to parse. */
final class Required {

    private Required() {
    }

    static String text(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    static <T> T value(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }
}
