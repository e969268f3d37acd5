package io.keystep.console;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.HttpCookie;
import java.net.URL;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local run's sign-in still works beside the OpenID Connect one: the form's token opens the first screen and is
 * what the services receive, and signing out (which ends no provider session here) clears it.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalModeResource.class, restrictToAnnotatedClass = true)
class LocalModeSignOutTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void theFormSignsInAndSigningOutClearsTheCookie() throws Exception {
        String console = root.toString().replaceAll("/$", "");
        Browser browser = new Browser();
        Browser.Page signInPage = browser.get(console + "/compliance");
        assertEquals("/sign-in", signInPage.path());
        assertFalse(signInPage.body().contains("/sign-in/oidc"), "the local run offers no provider sign-in");

        Browser.Page page = browser.post(console + "/sign-in",
                Map.of("name", "lee", "tenant", "acme", "role", "compliance"), console);
        assertEquals(200, page.status(), page.body());
        assertEquals("/compliance", page.path());
        String token = browser.cookiesFor(console).stream().filter(c -> c.getName().equals("keystep_console"))
                .map(HttpCookie::getValue).findFirst().orElseThrow();
        assertTrue(LocalModeResource.services.callsWith("Bearer " + token).stream()
                .anyMatch(c -> c.path().equals("/v1/audit/events")));

        Browser.Page out = browser.post(console + "/sign-out", Map.of(), console);
        assertEquals("/sign-in", out.path());
        assertTrue(browser.cookiesFor(console).stream().noneMatch(c -> c.getName().equals("keystep_console")));
        assertEquals("/sign-in", browser.get(console + "/compliance").path());
    }
}
