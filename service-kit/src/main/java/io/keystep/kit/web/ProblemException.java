package io.keystep.kit.web;

import java.util.List;

/** Ends a request with a problem answer; cheap to throw (no stack trace), as bad input is common. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** A 400 naming the field at fault. */
    public static ProblemException invalid(String field, String message) {
        return new ProblemException(Problem.validation(field, message));
    }

    /** A 400 naming every field at fault. */
    public static ProblemException invalid(List<Problem.FieldError> errors) {
        return new ProblemException(Problem.validation(errors));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of(404, "not-found", "Not found", detail));
    }

    /** A 503: a server the request needs did not answer; nothing was changed. */
    public static ProblemException unavailable(String detail) {
        return new ProblemException(Problem.of(503, "unavailable", "Service Unavailable", detail));
    }
}
