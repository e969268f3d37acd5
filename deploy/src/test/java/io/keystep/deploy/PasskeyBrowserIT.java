package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.gson.JsonObject;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import io.keystep.events.BusAccess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Passkeys in a real browser: headless Chromium (Debian's package, driven by Playwright) with a virtual authenticator
 * opens the local run's demo gateway page, signs a user up, enrolls a passkey and logs in with it, through the whole
 * thread: the login event, the decision, the browser's assertion, the check and the audit trail. A page of an origin
 * the tenant did not name gets no approval, whether the browser or the platform refuses it.
 */
@ExtendWith(SharedStack.class)
class PasskeyBrowserIT {

    private static final double STEP_TIMEOUT_MS = 90_000;

    private static LocalStack stack;
    private static GatewayClient demoTenant;
    private static Chromium chromium;
    private static Browser browser;

    private BrowserContext context;
    private Page page;

    @BeforeAll
    static void openChromium(LocalStack shared) {
        stack = shared;
        demoTenant = GatewayClient.of(stack, stack.tokens(), Demo.TENANT);
        chromium = Chromium.launch();
        browser = chromium.browser();
    }

    @AfterAll
    static void closeChromium() {
        if (chromium != null) {
            chromium.close();
        }
    }

    /** A fresh tab whose WebAuthn calls a virtual platform authenticator answers, with user verification. */
    @BeforeEach
    void aTabWithAVirtualAuthenticator() {
        context = browser.newContext();
        page = context.newPage();
        CDPSession devtools = context.newCDPSession(page);
        devtools.send("WebAuthn.enable");
        JsonObject authenticator = new JsonObject();
        authenticator.addProperty("protocol", "ctap2");
        authenticator.addProperty("transport", "internal");
        authenticator.addProperty("hasResidentKey", true);
        authenticator.addProperty("hasUserVerification", true);
        authenticator.addProperty("isUserVerified", true);
        JsonObject params = new JsonObject();
        params.add("options", authenticator);
        devtools.send("WebAuthn.addVirtualAuthenticator", params);
    }

    @AfterEach
    void closeTheTab() {
        context.close();
    }

    @Test
    void aPasskeyEnrolledOnTheDemoPageAnswersTheLoginItIsChallengedWith() {
        String userId = "passkey-" + UUID.randomUUID().toString().substring(0, 8);
        signUpAndEnrollAPasskey(userId);
        assertTrue(factorTypes(userId).contains("passkey"), "the user's factors: " + factorTypes(userId));

        logIn();
        assertEquals("CHALLENGE", page.textContent("#decision"), pageState());
        assertEquals("passkey", page.textContent("#factor").toLowerCase(), pageState());
        assertEquals("approved", page.textContent("#status"), pageState());

        String loginId = page.textContent("#login-id");
        await("the passkey's approval in the audit trail").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertTrue(completions(userId, loginId).contains("PASSKEY APPROVED"),
                        "the login's verification.completed: " + completions(userId, loginId)));
    }

    @Test
    void aPageOnAnotherHostCannotUseThePasskey() {
        String userId = "passkey-" + UUID.randomUUID().toString().substring(0, 8);
        signUpAndEnrollAPasskey(userId);

        // 127.0.0.1 is another origin and another RP id than localhost: the browser refuses to sign for localhost.
        page.navigate(stack.demoGateway().url().replace("localhost", "127.0.0.1") + "/");
        page.fill("#user-id", userId);
        logIn();
        assertEquals("passkey", page.textContent("#factor").toLowerCase(), pageState());
        assertNotEquals("approved", page.textContent("#status"), pageState());
        assertTrue(page.textContent("#error").contains("SecurityError"), pageState());
        assertNoApproval(userId, page.textContent("#login-id"));
    }

    @Test
    void anAssertionFromAnOriginTheTenantDidNotNameIsRefused() {
        String userId = "passkey-" + UUID.randomUUID().toString().substring(0, 8);
        signUpAndEnrollAPasskey(userId);

        // Another port of localhost: the same RP id, so the browser signs, but an origin the tenant's settings do not
        // name, so the platform must refuse the assertion.
        try (DemoGateway elsewhere = DemoGateway.start(0, Demo.TENANT, GatewayClient.of(stack, stack.tokens(),
                Demo.TENANT), new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY), stack.tokens()))) {
            page.navigate(elsewhere.url() + "/");
            page.fill("#user-id", userId);
            logIn();
        }
        assertEquals("passkey", page.textContent("#factor").toLowerCase(), pageState());
        // Judged and refused like a wrong code: an attempt spent, the challenge still pending.
        assertEquals("pending", page.textContent("#status"), pageState());
        String loginId = page.textContent("#login-id");
        await("the refusal in the audit trail").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertEquals(List.of("PASSKEY REJECTED"), completions(userId, loginId)));
    }

    private void signUpAndEnrollAPasskey(String userId) {
        page.navigate(stack.demoGateway().url() + "/");
        assertTrue(page.textContent(".banner").contains("DEMO GATEWAY"), "the page says it is a demo");
        page.fill("#user-id", userId);
        page.click("#signup");
        assertEquals("signed up", outcomeOf("#signup-result"), pageState());
        page.click("#enroll");
        assertEquals("enrolled", outcomeOf("#enroll-result"), pageState());
    }

    /** Clicks Log in and waits until the page shows how the login ended. */
    private void logIn() {
        page.click("#login");
        outcomeOf("#status");
    }

    /** Waits until the page has written a step's outcome into {@code selector}, and answers it. */
    private String outcomeOf(String selector) {
        try {
            page.waitForFunction("selector => document.querySelector(selector).textContent !== ''", selector,
                    new Page.WaitForFunctionOptions().setTimeout(STEP_TIMEOUT_MS));
        } catch (PlaywrightException e) {
            fail("the page wrote no outcome into " + selector + ": " + pageState());
        }
        return page.textContent(selector);
    }

    private String pageState() {
        return "error '" + page.textContent("#error") + "', log: " + page.locator("#log li").allTextContents();
    }

    private static List<String> factorTypes(String userId) {
        GatewayClient.Answer factors = demoTenant.factors(userId);
        assertEquals(200, factors.status(), String.valueOf(factors.body()));
        List<String> types = new ArrayList<>();
        factors.body().forEach(factor -> types.add(factor.path("type").asText().toLowerCase()));
        return types;
    }

    /** The login's {@code verification.completed} events in the audit trail, each as "FACTOR OUTCOME". */
    private static List<String> completions(String userId, String loginId) {
        List<String> found = new ArrayList<>();
        for (JsonNode event : demoTenant.auditTrail(userId).body()) {
            JsonNode payload = event.path("payload");
            if ("verification.completed".equals(event.path("type").asText())
                    && loginId.equals(payload.path("loginId").asText())) {
                found.add(payload.path("factor").asText() + " " + payload.path("outcome").asText());
            }
        }
        return found;
    }

    /** Once the trail holds the login's decision, it holds no approval of that login. */
    private static void assertNoApproval(String userId, String loginId) {
        await("the login's decision in the audit trail").atMost(Duration.ofSeconds(60)).until(() -> {
            for (JsonNode event : demoTenant.auditTrail(userId).body()) {
                if ("auth.decision".equals(event.path("type").asText())
                        && loginId.equals(event.path("correlationId").asText())) {
                    return true;
                }
            }
            return false;
        });
        assertTrue(completions(userId, loginId).stream().noneMatch(c -> c.endsWith("APPROVED")),
                "no approval of " + loginId + ": " + completions(userId, loginId));
    }
}
