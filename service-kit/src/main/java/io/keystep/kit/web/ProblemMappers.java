package io.keystep.kit.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/**
 * Turns every failure that no more specific mapper answers into {@code application/problem+json}: a
 * {@link ProblemException} as it says, an unreadable body as a 400 naming the field, the framework's own refusals (a
 * path no API has, a method or media type an API does not take) as {@code http-<status>}, anything else as a 500
 * that tells nothing of its cause. Bad input never becomes a 500.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().response();
    }

    /**
     * A body field of the wrong type for a record parameter ({@code "share": "half"}): named like any unreadable
     * field, rather than answered by the framework's own mapper for this exception, which is not problem+json.
     */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e) {
        return unreadableJson(e);
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return Problem.validation(field, "has a value of the wrong type").response();
        }
        // Jackson's message quotes the input: it is not echoed.
        return Problem.validation("body", "not valid JSON for this request").response();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response response = e.getResponse();
        if (response != null && response.hasEntity()) {
            // an answer the service built itself stays as it is
            return response;
        }
        int status = response == null ? 500 : response.getStatus();
        if (status == 400) {
            return Problem.validation("body", "unreadable request").response();
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        return Problem.of(status, "http-" + status, title, title).response();
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        return internal(e);
    }

    /** A 500 that tells the caller nothing of the cause; the cause is logged. */
    static Response internal(Exception e) {
        LOG.error("unexpected failure", e);
        return Problem.of(500, "internal", "Internal error", "the request could not be completed").response();
    }
}
