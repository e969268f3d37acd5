package io.keystep.risk.api;

import java.util.List;

/** Ends a request with a problem answer. */
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

    /** A 400 naming every field at fault, in the order given. */
    public static ProblemException invalid(List<Problem.FieldError> errors) {
        return new ProblemException(Problem.validation(errors));
    }
}
