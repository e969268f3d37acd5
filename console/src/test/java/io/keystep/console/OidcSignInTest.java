package io.keystep.console;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.HttpCookie;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keystep.console.OidcProviderResource.console;
import static io.keystep.console.OidcProviderResource.provider;
import static io.keystep.console.OidcProviderResource.services;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The production sign-in, end to end: a browser goes through the console and a stand-in OpenID Connect provider
 * (authorization code flow with nonce and PKCE), lands on the first screen of its roles, and the console calls the
 * services with exactly the access token the provider issued. Codes that are forged or replayed, and tokens that name
 * no tenant, open no session; signing out ends it.
 */
@QuarkusTest
@QuarkusTestResource(value = OidcProviderResource.class, restrictToAnnotatedClass = true)
class OidcSignInTest {

    private static final Pattern REQUEST = Pattern.compile("name=\"request\" value=\"([^\"]+)\"");

    @Test
    void aComplianceUserLandsOnComplianceAndTheConsoleCallsAuditWithTheProvidersAccessToken() throws Exception {
        Browser browser = new Browser();
        Browser.Page authorize = startSignIn(browser);
        Map<String, String> asked = query(authorize.uri());
        assertEquals("code", asked.get("response_type"));
        assertEquals(OidcProviderResource.CLIENT_ID, asked.get("client_id"));
        assertEquals("S256", asked.get("code_challenge_method"), "the code is bound to this browser with PKCE");
        assertNotNull(asked.get("nonce"));
        assertEquals(console() + "/sign-in/callback", asked.get("redirect_uri"));

        Browser.Page page = choose(browser, authorize, "ana");
        assertEquals(200, page.status(), page.body());
        assertEquals("/compliance", page.path());
        assertTrue(page.body().contains("<span title=\"signed in as\">ana</span>"), page.body());
        assertTrue(page.body().contains("tenant <strong>acme</strong>"), page.body());
        assertTrue(page.body().contains("href=\"/compliance\""));
        assertFalse(page.body().contains("href=\"/settings\""), "a compliance user is shown no settings screen");

        assertTrue(page.hops().stream().anyMatch(u -> u.getPath().equals("/sign-in/callback")),
                "the provider sent the browser back to the registered redirect URI: " + page.hops());

        String token = provider.lastAccessTokenOf("ana");
        assertNotNull(token);
        List<ServiceRecorder.Call> calls = services.callsWith("Bearer " + token);
        assertTrue(calls.stream().anyMatch(c -> c.path().equals("/v1/audit/events")),
                "audit-service was called with the provider's access token: " + services.calls());

        Browser.Page settings = browser.get(console() + "/settings");
        assertEquals(403, settings.status());
        assertEquals("/settings", settings.path());
    }

    @Test
    void anAnalystSeesAnalyticsAndNotCompliance() throws Exception {
        Browser browser = new Browser();
        Browser.Page page = signIn(browser, "ben");

        assertEquals(200, page.status(), page.body());
        assertEquals("/analytics", page.path());
        String token = provider.lastAccessTokenOf("ben");
        assertTrue(services.callsWith("Bearer " + token).stream()
                .anyMatch(c -> c.path().equals("/v1/audit/analytics")), services.calls().toString());

        Browser.Page compliance = browser.get(console() + "/compliance");
        assertEquals(403, compliance.status());
        assertTrue(services.callsWith("Bearer " + token).stream().noneMatch(c -> c.path().startsWith("/v1/audit/events")),
                "a refused screen calls no service");
    }

    @Test
    void signingOutEndsTheSessionSoTheNextScreenAsksForSignIn() throws Exception {
        Browser browser = new Browser();
        assertEquals("/compliance", signIn(browser, "ana").path());
        assertTrue(sessionCookies(browser) > 0, "the provider's session is kept in the console's cookies");

        Browser.Page out = browser.post(console() + "/sign-out", Map.of(), console());
        assertEquals("/sign-in", out.path());
        assertEquals(200, out.status());
        assertEquals(0, sessionCookies(browser), "signing out clears the session cookies");

        Browser.Page next = browser.get(console() + "/compliance");
        assertEquals("/sign-in", next.path(), "after signing out a screen sends to the sign-in");
        assertTrue(next.body().contains("href=\"/sign-in/oidc\""));
        Browser.Page again = browser.get(console() + "/sign-in/oidc");
        assertTrue(again.uri().toString().startsWith(provider.issuer() + "/authorize"),
                "signing in again goes through the provider: " + again.uri());
    }

    @Test
    void aForgedCodeIsRefusedByTheProviderAndOpensNoSession() throws Exception {
        Browser browser = new Browser();
        Browser.Page authorize = startSignIn(browser);
        String state = query(authorize.uri()).get("state");
        int refusals = provider.refusals().size();

        Browser.Page callback = browser.get(console() + "/sign-in/callback?code=forged-code&state=" + state);
        assertEquals(401, callback.status());
        assertTrue(provider.refusals().subList(refusals, provider.refusals().size()).stream()
                .anyMatch(r -> r.startsWith("token: invalid_grant")), provider.refusals().toString());

        assertEquals(0, sessionCookies(browser));
        assertEquals("/sign-in", browser.get(console() + "/compliance").path());
    }

    @Test
    void aCodeAlreadyExchangedIsRefusedWhenReplayedInAnotherBrowser() throws Exception {
        Browser victim = new Browser();
        Browser.Page signedIn = signIn(victim, "ana");
        URI callback = signedIn.hops().stream().filter(u -> u.getPath().equals("/sign-in/callback")).findFirst()
                .orElseThrow();
        String code = query(callback).get("code");
        assertNotNull(code);

        Browser attacker = new Browser();
        String state = query(startSignIn(attacker).uri()).get("state");
        int refusals = provider.refusals().size();
        Browser.Page replayed = attacker.get(console() + "/sign-in/callback?code=" + code + "&state=" + state);

        assertEquals(401, replayed.status());
        assertTrue(provider.refusals().subList(refusals, provider.refusals().size())
                .contains("token: invalid_grant: unknown or already used code"), provider.refusals().toString());
        assertEquals(0, sessionCookies(attacker));
        assertEquals("/sign-in", attacker.get(console() + "/compliance").path());
        assertEquals("/compliance", victim.get(console() + "/compliance").path(), "the victim's session is intact");
    }

    @Test
    void aTokenWithoutTenantOpensNoSession() throws Exception {
        Browser browser = new Browser();
        Browser.Page page = signIn(browser, "nils");

        assertEquals(403, page.status());
        assertTrue(page.body().contains("names no Keystep tenant"), page.body());
        String token = provider.lastAccessTokenOf("nils");
        assertNotNull(token, "the provider did sign nils in");
        assertEquals(0, sessionCookies(browser), "the provider's session is not kept");

        assertEquals("/sign-in", browser.get(console() + "/compliance").path());
        assertTrue(services.callsWith("Bearer " + token).isEmpty(), "no service was called for nils");
    }

    @Test
    void theProvidersRefusalLandsOnTheSignInSayingSo() throws Exception {
        Browser browser = new Browser();
        Browser.Page page = choose(browser, startSignIn(browser), "nobody-registered");

        assertEquals("/sign-in/failed", page.path());
        assertEquals(401, page.status());
        assertTrue(page.body().contains("did not sign you in (access_denied)"), page.body());
        assertEquals(0, sessionCookies(browser));
    }

    /** From a screen, as a person arrives: the sign-in page, its link, and the provider's sign-in page. */
    private static Browser.Page startSignIn(Browser browser) throws Exception {
        Browser.Page signInPage = browser.get(console() + "/compliance");
        assertEquals("/sign-in", signInPage.path(), "a screen without a session sends to the sign-in");
        assertTrue(signInPage.body().contains("href=\"/sign-in/oidc\""), signInPage.body());
        Browser.Page authorize = browser.get(console() + "/sign-in/oidc");
        assertEquals(200, authorize.status(), authorize.body());
        assertTrue(authorize.uri().toString().startsWith(provider.issuer() + "/authorize"), authorize.uri().toString());
        return authorize;
    }

    /** The person picks who they are on the provider's page. */
    private static Browser.Page choose(Browser browser, Browser.Page authorize, String user) throws Exception {
        Matcher request = REQUEST.matcher(authorize.body());
        assertTrue(request.find(), authorize.body());
        return browser.post(provider.issuer() + "/authorize", Map.of("request", request.group(1), "user", user),
                provider.issuer());
    }

    private static Browser.Page signIn(Browser browser, String user) throws Exception {
        return choose(browser, startSignIn(browser), user);
    }

    private static long sessionCookies(Browser browser) {
        return browser.cookiesFor(console()).stream().map(HttpCookie::getName).filter(n -> n.startsWith("q_session"))
                .count();
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> params = new java.util.LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }
}
