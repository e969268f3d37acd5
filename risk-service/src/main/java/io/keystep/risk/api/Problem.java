package io.keystep.risk.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.stream.Collectors;

/**
 * An RFC 9457 problem: every 4xx and 5xx answer has this shape ({@code application/problem+json}).
 *
 * @param type   a URI naming the kind of problem
 * @param title  a short summary of that kind
 * @param status the HTTP status
 * @param detail what went wrong this time
 * @param errors for validation problems, the offending fields
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String BASE = "https://keystep.dev/problems/";

    /** One invalid field and why. */
    public record FieldError(String field, String message) {
    }

    public static Problem validation(String field, String message) {
        return validation(List.of(new FieldError(field, message)));
    }

    /** A 400 naming every field at fault, in the order given; {@code detail} joins them as "field: message". */
    public static Problem validation(List<FieldError> errors) {
        String detail = errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; "));
        return new Problem(BASE + "validation", "Invalid request", 400, detail, List.copyOf(errors));
    }

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(BASE + slug, title, status, detail, null);
    }
}
