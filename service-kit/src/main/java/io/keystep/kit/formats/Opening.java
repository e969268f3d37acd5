package io.keystep.kit.formats;

import java.util.List;
import java.util.Optional;

/**
 * What opening a seal for a stated use gave: the value, or why the job must be refused. A refusal never quotes the
 * value, so it may go to a log, a status or a dead-letter header.
 */
public sealed interface Opening {

    /** The seal does not open: malformed, an unknown key, altered, or sealed for another kind of value. */
    String UNREADABLE = "SEALED_VALUE_UNREADABLE";
    /** The seal opens, but for another use than the one the record states. */
    String MISMATCH = "SEALED_FOR_ANOTHER_USE";

    /** The value, when the seal opened for the stated use. */
    default Optional<String> value() {
        return this instanceof Opened opened ? Optional.of(opened.sealedValue()) : Optional.empty();
    }

    /** The seal opened for exactly the stated use. */
    record Opened(String sealedValue) implements Opening {

        @Override
        public String toString() {
            return "Opened[...]";
        }
    }

    /**
     * The seal did not open for the stated use: {@code reason} is {@link #UNREADABLE} or {@link #MISMATCH}, and
     * {@code fields} names, for a mismatch, the stated fields that depart from the sealed ones.
     */
    record Refused(String reason, List<String> fields) implements Opening {

        public Refused {
            fields = List.copyOf(fields);
        }

        /** {@code SEALED_FOR_ANOTHER_USE (destination, sendAttempt)}: for a log line or a dead-letter cause. */
        public String describe() {
            return fields.isEmpty() ? reason : reason + " (" + String.join(", ", fields) + ")";
        }
    }
}
