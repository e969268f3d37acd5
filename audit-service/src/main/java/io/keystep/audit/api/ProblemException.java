package io.keystep.audit.api;

import java.util.List;

/** A request the API refuses, answered as problem+json. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** A 400 naming the parameter at fault. */
    public static ProblemException invalid(String field, String message) {
        return invalid(List.of(new Problem.FieldError(field, message)));
    }

    /** A 400 naming every parameter at fault, in the order they were read. */
    public static ProblemException invalid(List<Problem.FieldError> errors) {
        String detail = errors.stream().map(e -> e.field() + ": " + e.message())
                .collect(java.util.stream.Collectors.joining("; "));
        return new ProblemException(new Problem("https://keystep.dev/problems/validation", "Invalid request", 400,
                detail, List.copyOf(errors)));
    }

    /** A 503: a server the request needs did not answer; nothing was changed. */
    public static ProblemException unavailable(String detail) {
        return new ProblemException(new Problem("https://keystep.dev/problems/unavailable", "Service Unavailable", 503,
                detail, null));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(new Problem("https://keystep.dev/problems/not-found", "Not found", 404, detail, null));
    }
}
