package io.keystep.delivery.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A request body that is not JSON is a 400 problem naming the body, like any other bad input. */
public class BodyProblems {

    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e) {
        // Jackson's message quotes the input: it is not echoed.
        return Problem.validation("body", "is not valid JSON");
    }
}
