package io.keystep.challenge.api;

import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;

import java.util.ArrayList;
import java.util.List;

/**
 * The bad fields of one request. A check notes its refusal here and reads the value as absent; {@link #check()}
 * then refuses the request with one 400 naming every bad field, so a caller fixes them in one round rather than
 * one per request. Checks that compare two fields run only when neither was refused.
 */
final class FieldErrors {

    private final List<Problem.FieldError> errors = new ArrayList<>(2);

    /** Notes a bad field; always null, the value it is read as. */
    <T> T refuse(String field, String message) {
        errors.add(new Problem.FieldError(field, message));
        return null;
    }

    /** Whether {@code field} was refused. */
    boolean refused(String field) {
        return errors.stream().anyMatch(e -> e.field().equals(field));
    }

    /** Refuses the request if any field was bad. */
    void check() {
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.validation(errors));
        }
    }
}
