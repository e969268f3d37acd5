package io.keystep.kit.web;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;

/**
 * Answers a request that Bean Validation refused with the platform's 400 ({@link Problem#validation(List)}): every
 * bad field at once, each named as the client sent it ({@link ClientFieldNames}), in the order of the request
 * (parameters, then body fields as declared). A field refused by several constraints is named once: for its
 * absence when it is missing, else for the first reason.
 */
public class ValidationProblems {

    /** One 400 for the request's parameters; a refused return value is our fault, not the client's. */
    @ServerExceptionMapper
    public Response refused(ConstraintViolationException e) {
        Set<ConstraintViolation<?>> violations = e.getConstraintViolations();
        if (violations != null && violations.stream().anyMatch(ValidationProblems::isReturnValue)) {
            return Problem.of(500, "internal", "Internal error", "the request could not be completed").response();
        }
        return Problem.validation(fieldErrors(violations == null ? Set.of() : violations)).response();
    }

    /** One error per field, in the request's order. */
    public static List<Problem.FieldError> fieldErrors(Set<? extends ConstraintViolation<?>> violations) {
        record Named(ClientFieldNames where, ConstraintViolation<?> violation) {
        }
        Map<String, Problem.FieldError> byField = new LinkedHashMap<>();
        violations.stream()
                .map(v -> new Named(ClientFieldNames.of(v), v))
                .sorted(Comparator.comparing((Named n) -> n.where().place(), ValidationProblems::byPlace)
                        .thenComparing(n -> n.where().name())
                        .thenComparing(n -> isAbsence(n.violation()) ? 0 : 1)
                        .thenComparing(n -> String.valueOf(n.violation().getMessage())))
                .forEach(n -> byField.putIfAbsent(n.where().name(),
                        new Problem.FieldError(n.where().name(), n.violation().getMessage())));
        return List.copyOf(byField.values());
    }

    private static int byPlace(List<Integer> a, List<Integer> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Integer.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** A field missing is said before what else is wrong with it. */
    private static boolean isAbsence(ConstraintViolation<?> v) {
        Class<?> type = v.getConstraintDescriptor().getAnnotation().annotationType();
        return type == NotNull.class || type == NotBlank.class || type == NotEmpty.class;
    }

    private static boolean isReturnValue(ConstraintViolation<?> v) {
        return StreamSupport.stream(v.getPropertyPath().spliterator(), false)
                .map(Path.Node::getKind).anyMatch(k -> k == ElementKind.RETURN_VALUE);
    }
}
