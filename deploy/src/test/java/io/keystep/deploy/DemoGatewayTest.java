package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo gateway's edge, without a platform behind it: the page it serves, and what its API refuses before it calls
 * the platform. The whole thread runs in {@link PasskeyBrowserIT}.
 */
class DemoGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static DemoGateway demo;

    @BeforeAll
    static void startWithNoPlatformBehind() {
        // Nothing listens on these ports: a call that reaches the platform fails.
        String nowhere = "http://127.0.0.1:" + FreePorts.next();
        GatewayClient gateway = new GatewayClient(nowhere, nowhere, "gateway-token", "compliance-token");
        LoginPublisher publisher = new LoginPublisher(Map.of("bootstrap.servers", "127.0.0.1:" + FreePorts.next()),
                new AccessTokens(Secrets.generate()));
        demo = DemoGateway.start(0, "t1", gateway, publisher);
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    @Test
    void servesAPageThatSaysItIsADemoAndRunsOnlyItsOwnScript() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("DEMO GATEWAY"), page.body());
        assertTrue(page.body().contains("<script src=\"app.js\""), page.body());
        assertEquals("default-src 'self'; frame-ancestors 'none'; form-action 'none'",
                page.headers().firstValue("Content-Security-Policy").orElseThrow());
        HttpResponse<String> script = get("/app.js");
        assertEquals(200, script.statusCode());
        assertTrue(script.headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"));
        assertTrue(script.body().contains("navigator.credentials.create"));
        assertEquals(404, get("/secrets.env").statusCode());
    }

    @Test
    void refusesAUserIdOutsideTheAllowedCharactersAndNamesTheField() throws Exception {
        HttpResponse<String> answer = post("/demo/signup", "{\"userId\":\"alice/../bob\"}", Map.of());
        assertEquals(400, answer.statusCode());
        assertEquals("application/problem+json", answer.headers().firstValue("Content-Type").orElseThrow());
        JsonNode problem = JSON.readTree(answer.body());
        assertEquals("https://keystep.dev/problems/validation", problem.path("type").asText());
        assertEquals("userId", problem.path("errors").path(0).path("field").asText());
        assertEquals(400, post("/demo/signup", "[\"alice\"]", Map.of()).statusCode());
        assertEquals(400, post("/demo/check", "{\"challengeId\":\"c-1\",\"credential\":\"not an object\"}",
                Map.of()).statusCode());
    }

    @Test
    void answersOnlyItsOwnPage() throws Exception {
        HttpResponse<String> answer = post("/demo/signup", "{\"userId\":\"alice\"}",
                Map.of("Origin", "http://evil.example"));
        assertEquals(403, answer.statusCode());
        assertEquals("https://keystep.dev/problems/cross-origin", JSON.readTree(answer.body()).path("type").asText());
        assertEquals(200, post("/demo/signup", "{\"userId\":\"alice\"}",
                Map.of("Origin", "http://127.0.0.1:" + demo.port())).statusCode());
    }

    @Test
    void takesJsonPostsOnly() throws Exception {
        assertEquals(405, get("/demo/signup").statusCode());
        HttpResponse<String> form = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/demo/signup"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("userId=alice")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, form.statusCode());
    }

    @Test
    void enrollsAPasskeyOnlyRightAfterTheFirstFactor() throws Exception {
        HttpResponse<String> early = post("/demo/passkeys/options", "{\"userId\":\"carol\"}", Map.of());
        assertEquals(409, early.statusCode());
        assertEquals("https://keystep.dev/problems/first-factor-required",
                JSON.readTree(early.body()).path("type").asText());
    }

    @Test
    void saysSoWhenThePlatformDoesNotAnswer() throws Exception {
        assertEquals(200, post("/demo/signup", "{\"userId\":\"dave\"}", Map.of()).statusCode());
        HttpResponse<String> answer = post("/demo/passkeys/options", "{\"userId\":\"dave\"}", Map.of());
        assertEquals(502, answer.statusCode());
        assertTrue(answer.body().contains("the platform did not answer"), answer.body());
        assertTrue(!answer.body().contains("gateway-token"), "no credential of the gateway in an answer");
    }

    private static String base() {
        return "http://127.0.0.1:" + demo.port();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String json, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
