package io.keystep.console.screens;

import io.keystep.console.session.CurrentSession;
import io.keystep.console.session.Session;
import io.keystep.console.session.Sessions;
import io.quarkus.oidc.OidcSession;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Signing in and out. With the operator's OpenID Connect provider, {@code /sign-in/oidc} starts the code flow; in the
 * local run, a form mints a token as {@code ./keystep token} does, for a chosen tenant and roles.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class SignInScreen {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** An OAuth error code as a provider sends it (RFC 6749 4.1.2.1); anything else is not shown. */
    private static final Pattern ERROR = Pattern.compile("[a-z_]{1,64}");
    /** The roles a console user may hold; gateways and workers are machines and have no screen. */
    static final List<String> ROLES = List.of("compliance", "support", "analyst", "admin");

    @TemplateData
    public record Form(String name, String tenant, Set<String> roles) {
        public boolean has(String role) {
            return roles.contains(role);
        }
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance signIn(boolean local, Form form, List<String> roles, Outcome outcome);

        static native TemplateInstance home(Session session);
    }

    private final Sessions sessions;
    private final CurrentSession current;
    private final Instance<OidcSession> oidc;

    public SignInScreen(Sessions sessions, CurrentSession current, Instance<OidcSession> oidc) {
        this.sessions = sessions;
        this.current = current;
        this.oidc = oidc;
    }

    /** The first screen of the person's roles, or the sign-in. */
    @GET
    public Response home() {
        return current.find().map(session -> session.screens().isEmpty()
                        ? Response.ok(Templates.home(session)).build()
                        : Response.seeOther(URI.create(session.screens().get(0).path())).build())
                .orElseGet(() -> Response.seeOther(URI.create("/sign-in")).build());
    }

    @GET
    @Path("sign-in")
    public TemplateInstance signInPage() {
        return Templates.signIn(sessions.local(), new Form("", "demo", Set.of()), ROLES, Outcome.NONE);
    }

    /** The local run's sign-in: a token for the tenant and roles chosen, kept in an HttpOnly, same-site cookie. */
    @POST
    @Path("sign-in")
    public Response signIn(@FormParam("name") String name, @FormParam("tenant") String tenant,
                           @FormParam("role") List<String> roles, @Context UriInfo uri) {
        if (!sessions.local()) {
            return Response.status(404).entity(Templates.signIn(false, new Form("", "", Set.of()), ROLES,
                    new Outcome("error", "Sign in through your organisation's identity provider.", Map.of())))
                    .build();
        }
        Set<String> chosen = new LinkedHashSet<>(roles == null ? List.of() : roles);
        chosen.retainAll(ROLES);
        Map<String, String> errors = new java.util.LinkedHashMap<>();
        String who = name == null ? "" : name.trim();
        String where = tenant == null ? "" : tenant.trim();
        if (!NAME.matcher(who).matches()) {
            errors.put("name", "must be 1 to 64 letters, digits and . _ @ -");
        }
        if (!TENANT.matcher(where).matches()) {
            errors.put("tenant", "must be 1 to 64 letters, digits and . _ -");
        }
        if (chosen.isEmpty()) {
            errors.put("role", "choose at least one role");
        }
        if (!errors.isEmpty()) {
            return Response.status(400).entity(Templates.signIn(true, new Form(who, where, chosen), ROLES,
                    new Outcome("error", "Not signed in: check the fields marked.", errors))).build();
        }
        String token = sessions.mintLocal(who, where, chosen);
        boolean secure = "https".equals(uri.getBaseUri().getScheme());
        NewCookie cookie = new NewCookie.Builder(Sessions.COOKIE).value(token).path("/").httpOnly(true)
                .secure(secure).sameSite(NewCookie.SameSite.STRICT).build();
        return Response.seeOther(URI.create("/")).cookie(cookie).build();
    }

    /**
     * Starts the OpenID Connect code flow (the provider's sign-in page), then lands on the home screen. A person the
     * provider signed in whose access token gives no session (no {@code tenant} claim) is told so, and the
     * provider's session in the console is ended, so that no screen opens on it.
     */
    @GET
    @Path("sign-in/oidc")
    @Authenticated
    public Uni<Response> signInThroughProvider() {
        if (current.find().isPresent()) {
            return Uni.createFrom().item(Response.seeOther(URI.create("/")).build());
        }
        Response refused = Response.status(403).type(MediaType.TEXT_HTML).entity(Templates.signIn(false,
                new Form("", "", Set.of()), ROLES, new Outcome("error", "Your organisation's account was signed in,"
                        + " but its token names no Keystep tenant, so the console cannot open. Ask your"
                        + " administrator to add the tenant claim to the tokens issued for the console.", Map.of())))
                .build();
        return endProviderSession().replaceWith(refused).onFailure().recoverWithItem(refused);
    }

    /** Where the provider's refusal lands ({@code quarkus.oidc.authentication.error-path}): the sign-in, saying so. */
    @GET
    @Path("sign-in/failed")
    public Response signInFailed(@QueryParam("error") String error) {
        String code = error == null || !ERROR.matcher(error).matches() ? "unknown" : error;
        return Response.status(401).type(MediaType.TEXT_HTML).entity(Templates.signIn(sessions.local(),
                new Form("", "demo", Set.of()), ROLES, new Outcome("error", "Your organisation's identity provider"
                        + " did not sign you in (" + code + ").", Map.of()))).build();
    }

    @POST
    @Path("sign-out")
    public Uni<Response> signOut() {
        NewCookie cleared = new NewCookie.Builder(Sessions.COOKIE).value("").path("/").httpOnly(true).maxAge(0)
                .sameSite(NewCookie.SameSite.STRICT).build();
        Response done = Response.seeOther(URI.create("/sign-in")).cookie(cleared).build();
        return endProviderSession().replaceWith(done).onFailure().recoverWithItem(done);
    }

    /** Ends the request's OpenID Connect session in the console: its cookies are cleared on the response. */
    private Uni<Void> endProviderSession() {
        if (sessions.local() || !oidc.isResolvable()) {
            return Uni.createFrom().voidItem();
        }
        return oidc.get().logout();
    }
}
