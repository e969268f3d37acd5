package io.keystep.console.web;

import io.keystep.console.session.NotSignedInException;
import io.keystep.console.session.ScreenRefusedException;
import io.keystep.console.session.Session;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.net.URI;

/** Pages for what went wrong: sign in first, a screen of another role, an address that is not there. */
public class ConsoleErrors {

    @CheckedTemplate(basePath = "errors")
    static class Templates {
        static native TemplateInstance refused(Session.Screen screen);

        static native TemplateInstance notFound(String message);
    }

    @ServerExceptionMapper
    public Response notSignedIn(NotSignedInException e) {
        return Response.seeOther(URI.create("/sign-in")).build();
    }

    @ServerExceptionMapper
    public Response refused(ScreenRefusedException e) {
        return Response.status(403).type(MediaType.TEXT_HTML).entity(Templates.refused(e.screen())).build();
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Response.status(404).type(MediaType.TEXT_HTML).entity(Templates.notFound(e.getMessage())).build();
    }
}
