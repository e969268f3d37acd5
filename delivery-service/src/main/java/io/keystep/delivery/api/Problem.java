package io.keystep.delivery.api;

import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** RFC 9457 problem details, the body of every error answer. */
public final class Problem {

    public static final String MEDIA_TYPE = "application/problem+json";
    /** The type of a field error, the same in every service's answers. */
    public static final String VALIDATION = "https://keystep.dev/problems/validation";

    private Problem() {
    }

    /**
     * A problem of type {@code https://keystep.dev/problems/<slug>}, the same slug the other services give the same
     * refusal ({@code unauthenticated}, {@code cross-tenant}, {@code role-not-allowed}, {@code not-found}, …).
     */
    public static Response response(int status, String slug, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "https://keystep.dev/problems/" + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }

    /** One field (or header) that is wrong and what is wrong with it. */
    public record FieldError(String field, String message) {
    }

    /** A 400 naming the field (or header) that is wrong. */
    public static Response validation(String field, String message) {
        return validation(List.of(new FieldError(field, message)));
    }

    /** A 400 naming every field that is wrong, in the order given; {@code detail} lists them all. */
    public static Response validation(List<FieldError> errors) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", VALIDATION);
        body.put("title", "Invalid request");
        body.put("status", 400);
        body.put("detail", errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")));
        body.put("errors", List.copyOf(errors));
        return Response.status(400).type(MEDIA_TYPE).entity(body).build();
    }
}
