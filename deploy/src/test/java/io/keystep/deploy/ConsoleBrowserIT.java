package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.WaitForSelectorState;
import io.keystep.events.BusAccess;
import io.keystep.events.Device;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Purpose;
import io.keystep.testsupport.SmsSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console in a real browser (Debian's Chromium, driven by Playwright) against the whole stack: each role signs in
 * and sees its screens only; a search finds a login's events; the live tail shows an event published while the page
 * is open; support re-enables a locked-out user and the trail records it; a settings error is shown at its field;
 * the analytics charts draw from the tenant's real figures. With {@code -Dconsole.screenshots=<dir>} each screen is
 * also saved there (docs/console.md shows them).
 */
@ExtendWith(SharedStack.class)
class ConsoleBrowserIT {

    private static final double WAIT_MS = 60_000;

    private static LocalStack stack;
    private static Chromium chromium;
    private static Browser browser;
    private static String tenant;
    private static GatewayClient gateway;
    /** A user with a phone enrolled, locked out by failed checks. */
    private static String lockedUser;
    private static String approvedChallenge;

    private BrowserContext context;
    private Page page;

    @BeforeAll
    static void aTenantWithTrafficAndChromium(LocalStack shared) {
        stack = shared;
        tenant = "console-" + UUID.randomUUID().toString().substring(0, 8);
        gateway = GatewayClient.of(stack, stack.tokens(), tenant);
        // three failed checks lock a user out in this tenant for an hour (the platform's default is ten, for 30 s)
        GatewayClient.Answer limits = gateway.putSetting(stack.tokens().mint(tenant, "admin", Duration.ofMinutes(10)),
                stack.service("challenge-service").url() + "/v1/settings/verify",
                Map.of("failuresToLock", 3, "firstLockoutSeconds", 3600, "maxLockoutSeconds", 86400));
        assertEquals(200, limits.status(), String.valueOf(limits.body()));

        lockedUser = "locked-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(200, Demo.enrollPhone(stack, gateway, lockedUser, phone()).status());
        String locking = verification(lockedUser, phone());
        for (int i = 0; i < 3; i++) {
            gateway.check(locking, "000000");
        }
        // one verification approved with the code the SMS carried, one never checked: a conversion to chart
        String approvedPhone = phone();
        approvedChallenge = verification("convert-" + UUID.randomUUID().toString().substring(0, 8), approvedPhone);
        SmsSink.Message sms = Poll.until("the verification SMS", Duration.ofSeconds(30), () ->
                stack.smsSink().messagesTo(approvedPhone).stream().findFirst());
        assertEquals(200, gateway.check(approvedChallenge, Demo.codeIn(sms.body())).status());
        verification("abandon-" + UUID.randomUUID().toString().substring(0, 8), phone());

        chromium = Chromium.launch();
        browser = chromium.browser();
    }

    @AfterAll
    static void closeChromium() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void aFreshBrowser() {
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
        context.setDefaultTimeout(WAIT_MS);
        page = context.newPage();
    }

    @AfterEach
    void closeIt() {
        context.close();
    }

    @Test
    void eachRoleSeesItsOwnScreensOnly() {
        signIn("carol", "compliance");
        assertTrue(page.url().endsWith("/compliance"), page.url());
        assertEquals(List.of("Compliance"), page.locator("header nav a").allTextContents());
        page.navigate(console() + "/settings");
        assertTrue(page.textContent("h1").contains("Not for your role"), page.content());

        signIn("sam", "support", "analyst");
        assertEquals(List.of("Support", "Analytics"), page.locator("header nav a").allTextContents());
        page.navigate(console() + "/compliance");
        assertTrue(page.textContent("h1").contains("Not for your role"), page.content());
    }

    @Test
    void aSearchFindsALoginsEventsAndShowsTheirDetail() {
        String userId = "search-" + UUID.randomUUID().toString().substring(0, 8);
        String loginId = publishLogin(userId);
        signIn("carol", "compliance");
        await("the login's events in the console's search").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            page.fill("#userId", userId);
            page.click("form[role=search] button[type=submit]");
            page.waitForLoadState();
            List<String> types = page.locator("table.events tbody td:nth-child(2)").allTextContents();
            assertTrue(types.contains("auth.login") && types.contains("auth.decision"), types.toString());
        });
        screenshot("compliance-search");
        page.locator("table.events tbody tr").filter(new Locator.FilterOptions().setHasText("auth.login"))
                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Detail").setExact(false)).click();
        assertTrue(page.textContent("pre.json").contains(loginId), page.textContent("pre.json"));
        screenshot("compliance-event");
        // free text over the trail: the login id alone finds it
        page.navigate(console() + "/compliance?q=" + loginId);
        assertTrue(page.locator("table.events tbody").textContent().contains("auth.login"), page.content());
    }

    @Test
    void theLiveTailShowsAnEventPublishedWhileThePageIsOpen() {
        String userId = "live-" + UUID.randomUUID().toString().substring(0, 8);
        signIn("carol", "compliance");
        page.navigate(console() + "/compliance/live?userId=" + userId);
        // an empty table body has no height: wait for it in the page, not for it to be visible
        page.waitForSelector("#live[data-stream=open]",
                new Page.WaitForSelectorOptions().setState(WaitForSelectorState.ATTACHED));
        publishLogin(userId);
        page.waitForSelector("#live tr:has-text('auth.login')");
        assertTrue(page.locator("#live").textContent().contains(userId), page.locator("#live").textContent());
        screenshot("compliance-live");
        page.navigate(console() + "/compliance/chain");
        assertTrue(page.textContent(".state").contains("Intact"), page.textContent("main"));
        screenshot("compliance-chain");
    }

    @Test
    void supportReEnablesALockedOutUserAndTheTrailRecordsIt() {
        signIn("sam", "support");
        page.fill("#query", lockedUser.substring(0, 10));
        page.click("form[role=search] button[type=submit]");
        page.click("text=" + lockedUser);
        assertTrue(page.textContent("main").contains("Locked out") || page.textContent("main").contains("Suspended"),
                page.textContent("main"));
        assertTrue(page.textContent("main").contains("*"), "the phone is masked: " + page.textContent("main"));
        screenshot("support-user");

        // the API's own validation, shown at the fields
        page.click("form[aria-label=Re-enable] button[type=submit]");
        assertTrue(page.isVisible("#reason-error"), page.textContent("main"));
        assertEquals("true", page.getAttribute("#reason", "aria-invalid"));

        page.fill("#reason", "locked out after travelling, called support");
        page.fill("#identityVerifiedBy", "video call with ID document");
        page.click("form[aria-label=Re-enable] button[type=submit]");
        assertTrue(page.textContent(".notice.ok").contains("Re-enabled"), page.textContent("main"));
        assertTrue(page.textContent("main").contains("Not locked out"), page.textContent("main"));

        await("the re-enable in the trail").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            boolean found = false;
            for (JsonNode event : gateway.auditTrail(lockedUser).body()) {
                JsonNode payload = event.path("payload");
                found |= "factor.changed".equals(event.path("type").asText())
                        && "REENABLED".equals(payload.path("change").asText())
                        && payload.toString().contains("sam") && payload.toString().contains("video call");
            }
            assertTrue(found, "factor.changed REENABLED by sam in " + gateway.auditTrail(lockedUser).body());
        });
    }

    @Test
    void aSettingsErrorIsShownAtItsField() {
        signIn("ada", "admin");
        page.navigate(console() + "/settings/verify");
        page.fill("#f-codeLength", "3");
        page.click("form.settings button[type=submit]");
        assertTrue(page.isVisible("#e-codeLength"), page.textContent("main"));
        assertEquals("true", page.getAttribute("#f-codeLength", "aria-invalid"));
        assertTrue(page.textContent(".notice.error").contains("codeLength"), page.textContent(".notice.error"));
        screenshot("settings-error");
        // nothing was stored: the service still answers its code length
        page.navigate(console() + "/settings/verify");
        assertFalse("3".equals(page.inputValue("#f-codeLength")));
    }

    @Test
    void theChartsDrawFromTheTenantsFigures() {
        signIn("ann", "analyst");
        page.navigate(console() + "/analytics?period=24h");
        page.waitForSelector("#chart-series[data-drawn=true]");
        int points = Integer.parseInt(page.getAttribute("#chart-series", "data-points"));
        assertTrue(points > 0, "points drawn: " + points);
        String channels = page.locator("table:has(caption:text('Conversion by channel'))").textContent();
        assertTrue(channels.toLowerCase().contains("sms"), channels);
        screenshot("analytics");
    }

    @Test
    void thePagesWorkOnAPhonesWidthAndFromTheKeyboard() {
        context.close();
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(390, 844));
        context.setDefaultTimeout(WAIT_MS);
        page = context.newPage();
        signIn("carol", "compliance", "support", "analyst", "admin");
        for (String screen : List.of("/compliance", "/support", "/analytics?period=24h", "/settings/verify")) {
            page.navigate(console() + screen);
            Object overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth");
            assertTrue(((Number) overflow).intValue() <= 1, screen + " is wider than the phone by " + overflow + " px");
            Object unlabeled = page.evaluate("() => [...document.querySelectorAll('input:not([type=hidden]),select,"
                    + "textarea')].filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
                    + ".map(e => e.name)");
            assertEquals(List.of(), unlabeled, screen + " has fields without a label");
        }
        screenshot("phone-settings");
        page.navigate(console() + "/compliance");
        page.keyboard().press("Tab");
        assertEquals("Skip to content", page.evaluate("() => document.activeElement.textContent"));
    }

    /** Signs in with the local run's form, as {@code name} with the given roles of this test's tenant. */
    private void signIn(String name, String... roles) {
        page.navigate(console() + "/sign-in");
        page.fill("#name", name);
        page.fill("#tenant", tenant);
        for (String role : roles) {
            page.check("input[name=role][value=" + role + "]");
        }
        page.click("form button[type=submit]");
        page.waitForLoadState();
    }

    private static String console() {
        return stack.service(LocalStack.CONSOLE).url();
    }

    private static String publishLogin(String userId) {
        String loginId = "login-" + UUID.randomUUID();
        try (LoginPublisher publisher = new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY),
                stack.tokens())) {
            publisher.publish(tenant, new LoginAttempted(loginId, userId, true,
                    new Device("fp-" + UUID.randomUUID(), "Mozilla/5.0 (console test)"), "203.0.113.9",
                    Purpose.LOGIN));
        }
        return loginId;
    }

    /** Starts an SMS verification of the Verify API for the user and number; answers its id. */
    private static String verification(String userId, String phone) {
        GatewayClient.Answer started = gateway.verification(Map.of("to", phone, "channel", "sms", "userId", userId));
        assertEquals(201, started.status(), String.valueOf(started.body()));
        return started.body().path("id").asText();
    }

    /** A number of its own for each verification, so that no destination cooldown stands in the way. */
    private static String phone() {
        return "+1415555" + String.format("%04d", ThreadLocalRandom.current().nextInt(10_000));
    }

    private void screenshot(String name) {
        String dir = System.getProperty("console.screenshots");
        if (dir != null && !dir.isBlank()) {
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of(dir, name + ".png")).setFullPage(true));
        }
    }
}
