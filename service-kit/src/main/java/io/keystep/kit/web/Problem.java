package io.keystep.kit.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An RFC 9457 problem: the body of every 4xx and 5xx answer of every service ({@code application/problem+json}).
 * Its {@code type} is {@code https://keystep.dev/problems/<slug>}, the same slug for the same refusal everywhere.
 *
 * @param type        a URI naming the kind of problem
 * @param title       a short summary of that kind
 * @param status      the HTTP status
 * @param detail      what went wrong this time
 * @param errors      for validation problems, every offending field
 * @param lockedUntil for a lockout, when it ends (an extension member, absent otherwise)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors,
                      @JsonProperty("locked_until") Instant lockedUntil) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String BASE = "https://keystep.dev/problems/";
    /** The type of a refused field, parameter or header. */
    public static final String VALIDATION = BASE + "validation";

    /** One invalid field (or parameter, or header) and why. */
    public record FieldError(String field, String message) {
    }

    /** A problem of type {@code BASE + slug}. */
    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(BASE + slug, title, status, detail, null, null);
    }

    public static Problem validation(String field, String message) {
        return validation(List.of(new FieldError(field, message)));
    }

    /** A 400 naming every field at fault, in the order given; {@code detail} joins them as "field: message". */
    public static Problem validation(List<FieldError> errors) {
        String detail = errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; "));
        return new Problem(VALIDATION, "Invalid request", 400, detail, List.copyOf(errors), null);
    }

    /** The same problem with when its lockout ends. */
    public Problem lockedUntil(Instant until) {
        return new Problem(type, title, status, detail, errors, until);
    }

    /** This problem as an answer. */
    public Response response() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
