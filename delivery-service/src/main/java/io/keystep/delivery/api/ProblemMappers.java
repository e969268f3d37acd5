package io.keystep.delivery.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The framework's own refusals (a path no API has, a method or media type an API does not take, an unreadable
 * body) and unexpected failures answer {@code application/problem+json} too, typed as in the other services.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response response = e.getResponse();
        if (response != null && response.hasEntity()) {
            // an answer the platform built itself (a refusal naming the tenant, say) stays as it is
            return response;
        }
        int status = response == null ? 500 : response.getStatus();
        if (status == 400) {
            return Problem.validation("body", "unreadable request");
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        return http(status, known == null ? "Error" : known.getReasonPhrase());
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("request failed", e);
        return typed(500, "https://keystep.dev/problems/internal", "Internal error",
                "the request could not be completed");
    }

    private static Response http(int status, String title) {
        return typed(status, "https://keystep.dev/problems/http-" + status, title, title);
    }

    private static Response typed(int status, String type, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(body).build();
    }
}
