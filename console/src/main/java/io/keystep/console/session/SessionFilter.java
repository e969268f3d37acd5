package io.keystep.console.session;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.net.URI;
import java.util.Set;

/**
 * Resolves the session of every request, and refuses a state-changing request that another site made the browser
 * send: the cookie is SameSite=Strict already, and a POST must also come from this origin (its {@code Origin} or,
 * without one, {@code Sec-Fetch-Site}).
 */
public class SessionFilter {

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private final Sessions sessions;
    private final CurrentSession current;
    private final SecurityIdentity identity;

    public SessionFilter(Sessions sessions, CurrentSession current, SecurityIdentity identity) {
        this.sessions = sessions;
        this.current = current;
        this.identity = identity;
    }

    @ServerRequestFilter
    public Response resolve(ContainerRequestContext request) {
        if (!SAFE.contains(request.getMethod()) && !sameOrigin(request)) {
            return Response.status(403).type("text/plain")
                    .entity("refused: a change must come from the console's own pages").build();
        }
        Cookie cookie = request.getCookies().get(Sessions.COOKIE);
        sessions.of(identity, cookie == null ? null : cookie.getValue()).ifPresent(current::set);
        return null;
    }

    private static boolean sameOrigin(ContainerRequestContext request) {
        String origin = request.getHeaderString("Origin");
        if (origin != null && !"null".equals(origin)) {
            URI self = request.getUriInfo().getBaseUri();
            String expected = self.getScheme() + "://" + self.getAuthority();
            String host = request.getHeaderString(HttpHeaders.HOST);
            return origin.equals(expected) || (host != null && origin.equals(self.getScheme() + "://" + host));
        }
        String site = request.getHeaderString("Sec-Fetch-Site");
        if ("null".equals(origin)) {
            // an opaque origin (a sandboxed frame, a privacy setting): only the browser's own word that it is ours
            return "same-origin".equals(site);
        }
        return site == null || "same-origin".equals(site) || "none".equals(site);
    }
}
