package io.keystep.delivery.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

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
        String title = known == null ? "Error" : known.getReasonPhrase();
        return Problem.response(status, "http-" + status, title, title);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        LOG.error("request failed", e);
        return Problem.response(500, "internal", "Internal error", "the request could not be completed");
    }
}
