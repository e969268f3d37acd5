package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keystep.events.BusAccess;
import io.keystep.events.Device;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Purpose;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * A demo login gateway for the local run: a page (plain HTML and JavaScript, resources {@code demo-gateway/}) that
 * signs a user up, enrolls a passkey and logs in with it, and the small JSON backend the page calls. The backend does
 * what a real gateway does on the platform and holds its credentials, which never reach the browser: it calls
 * challenge-service with a gateway token and publishes login events on Kafka as the gateway principal. The demo has no
 * passwords: signing up, or logging in, counts as passing the first factor. It listens on loopback only.
 */
public final class DemoGateway implements AutoCloseable {

    /** The user ids the demo takes. */
    static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,128}");
    private static final Pattern CHALLENGE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int MAX_LABEL_LENGTH = 64;
    private static final Duration DECISION_TIMEOUT = Duration.ofSeconds(30);
    /** How long a sign-up counts as a recent first factor for enrolling a passkey. */
    private static final Duration FIRST_FACTOR_KEPT = Duration.ofMinutes(10);
    /** The browser runs on this machine; a documentation address stands in for a person's. */
    private static final String DEMO_CLIENT_IP = "203.0.113.7";
    private static final String PROBLEMS = "https://keystep.dev/problems/";
    private static final Map<String, String> PAGE_FILES = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private final String tenant;
    private final GatewayClient gateway;
    private final LoginPublisher publisher;
    private final Map<String, byte[]> pageFiles = new HashMap<>();
    private final Map<String, Instant> firstFactors = new ConcurrentHashMap<>();

    /** Refuses a request with a problem answer. */
    private static final class Refused extends RuntimeException {
        final int status;
        final String type;
        final String field;

        Refused(int status, String type, String detail, String field) {
            super(detail);
            this.status = status;
            this.type = type;
            this.field = field;
        }
    }

    private DemoGateway(HttpServer server, String tenant, GatewayClient gateway, LoginPublisher publisher) {
        this.server = server;
        this.tenant = tenant;
        this.gateway = gateway;
        this.publisher = publisher;
        for (String file : PAGE_FILES.values()) {
            try (InputStream in = DemoGateway.class.getResourceAsStream("/demo-gateway/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("the demo page's " + file + " is missing from the classpath");
                }
                pageFiles.put(file, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("could not read the demo page's " + file, e);
            }
        }
    }

    /**
     * Starts the demo gateway of {@code tenant} on {@code port} of the loopback interface (0: a free one). It calls the
     * platform through {@code gateway} and publishes logins with {@code publisher}, which it closes when closed.
     */
    public static DemoGateway start(int port, String tenant, GatewayClient gateway, LoginPublisher publisher) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            DemoGateway demo = new DemoGateway(server, tenant, gateway, publisher);
            server.createContext("/", demo::handle);
            server.setExecutor(demo.workers);
            server.start();
            return demo;
        } catch (IOException e) {
            publisher.close();
            throw new UncheckedIOException("could not start the demo gateway on port " + port, e);
        } catch (RuntimeException e) {
            publisher.close();
            throw e;
        }
    }

    /**
     * Starts the demo gateway of the stack's demo tenant and makes its page the tenant's relying party for passkeys
     * (RP id {@code localhost}, the page's origin), as the tenant's admin would.
     */
    public static DemoGateway startFor(LocalStack stack, int port) {
        GatewayClient gateway = GatewayClient.of(stack, stack.tokens(), Demo.TENANT);
        DemoGateway demo = start(port, Demo.TENANT, gateway,
                new LoginPublisher(stack.kafkaClientConfig(BusAccess.GATEWAY), stack.tokens()));
        try {
            String admin = stack.tokens().mint(Demo.TENANT, "admin", Duration.ofMinutes(5));
            GatewayClient.Answer settings = gateway.putSetting(admin,
                    stack.service("challenge-service").url() + "/v1/settings/passkeys",
                    Map.of("rpId", "localhost", "rpName", "Keystep demo", "origins", List.of(demo.url())));
            if (settings.status() / 100 != 2) {
                throw new IllegalStateException("the demo tenant's passkey settings were refused: " + settings.status()
                        + " " + settings.body());
            }
            return demo;
        } catch (RuntimeException e) {
            demo.close();
            throw e;
        }
    }

    /** The page's address, at the host name its passkeys are bound to. */
    public String url() {
        return "http://localhost:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        publisher.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; frame-ancestors 'none'; form-action 'none'");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            try {
                if (path.startsWith("/demo/")) {
                    if (!"POST".equals(method)) {
                        throw new Refused(405, "http-405", "the demo's API takes POST only", null);
                    }
                    GatewayClient.Answer answer = api(exchange, path);
                    respond(exchange, answer.status(), answer.body());
                } else if (PAGE_FILES.containsKey(path) && "GET".equals(method)) {
                    String file = PAGE_FILES.get(path);
                    exchange.getResponseHeaders().set("Content-Type", contentType(file));
                    byte[] content = pageFiles.get(file);
                    exchange.sendResponseHeaders(200, content.length);
                    exchange.getResponseBody().write(content);
                } else {
                    throw new Refused(404, "http-404", "no such page", null);
                }
            } catch (Refused refused) {
                respond(exchange, refused.status, problem(refused.status, refused.type, refused.getMessage(),
                        refused.field));
            } catch (RuntimeException e) {
                // The platform did not answer (a connection refused, a decision that never came): say so, not more.
                System.err.println("demo gateway: " + method + " " + path + ": " + e);
                respond(exchange, 502, problem(502, "http-502", "the platform did not answer: " + e.getMessage(),
                        null));
            }
        }
    }

    private GatewayClient.Answer api(HttpExchange exchange, String path) throws IOException {
        // A page of another origin may not drive this gateway (a form or fetch from elsewhere carries its Origin).
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (origin != null && !origin.equals("http://" + host)) {
            throw new Refused(403, "cross-origin", "the demo's API answers its own page only", null);
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
            throw new Refused(415, "http-415", "the demo's API takes application/json", null);
        }
        JsonNode body = readBody(exchange);
        return switch (path) {
            case "/demo/signup" -> signUp(userId(body));
            case "/demo/passkeys/options" -> registrationOptions(userId(body));
            case "/demo/passkeys" -> gateway.registerPasskey(userId(body), credential(body), label(body));
            case "/demo/login" -> logIn(userId(body), exchange.getRequestHeaders().getFirst("User-Agent"));
            case "/demo/check" -> gateway.checkPasskey(challengeId(body), credential(body));
            default -> throw new Refused(404, "http-404", "no such call", null);
        };
    }

    /** The demo's password step: the user passed the first factor now. */
    private GatewayClient.Answer signUp(String userId) {
        Instant now = Instant.now();
        firstFactors.values().removeIf(at -> at.isBefore(now.minus(FIRST_FACTOR_KEPT)));
        firstFactors.put(userId, now);
        ObjectNode answer = JSON.createObjectNode().put("userId", userId).put("firstFactorAt", now.toString());
        return new GatewayClient.Answer(200, answer);
    }

    /** The options a browser creates a passkey with, for a user who signed up on this page a moment ago. */
    private GatewayClient.Answer registrationOptions(String userId) {
        Instant firstFactor = firstFactors.get(userId);
        if (firstFactor == null || firstFactor.isBefore(Instant.now().minus(FIRST_FACTOR_KEPT))) {
            throw new Refused(409, "first-factor-required", "sign up first: a passkey is enrolled right after the"
                    + " first factor", "userId");
        }
        return gateway.passkeyRegistration(userId, firstFactor);
    }

    /**
     * Publishes the login on Kafka, from a device never seen before (so that risk-service asks for a second factor),
     * and answers the decision once challenge-service has made it.
     */
    private GatewayClient.Answer logIn(String userId, String userAgent) {
        String loginId = "login-" + UUID.randomUUID();
        String agent = userAgent == null ? "unknown" : userAgent.substring(0, Math.min(userAgent.length(), 512));
        publisher.publish(tenant, new LoginAttempted(loginId, userId, true,
                new Device("fp-" + UUID.randomUUID(), agent), DEMO_CLIENT_IP, Purpose.LOGIN));
        return Poll.until("the decision of " + loginId, DECISION_TIMEOUT, () -> {
            GatewayClient.Answer answer = gateway.loginDecision(loginId);
            return answer.status() == 200 ? Optional.of(answer) : Optional.empty();
        });
    }

    private static JsonNode readBody(HttpExchange exchange) throws IOException {
        byte[] bytes = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            throw new Refused(413, "http-413", "the request is larger than " + MAX_BODY_BYTES + " bytes", null);
        }
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw new Refused(400, "validation", "the request is not a JSON object", null);
            }
            return body;
        } catch (IOException e) {
            throw new Refused(400, "validation", "the request is not JSON", null);
        }
    }

    private static String userId(JsonNode body) {
        return text(body, "userId", USER_ID, "1 to 128 letters, digits or . _ @ -");
    }

    private static String challengeId(JsonNode body) {
        return text(body, "challengeId", CHALLENGE_ID, "the challengeId of the login's decision");
    }

    private static String text(JsonNode body, String field, Pattern allowed, String expected) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual() || !allowed.matcher(value.asText()).matches()) {
            throw new Refused(400, "validation", field + " must be " + expected, field);
        }
        return value.asText();
    }

    private static JsonNode credential(JsonNode body) {
        JsonNode credential = body.get("credential");
        if (credential == null || !credential.isObject()) {
            throw new Refused(400, "validation", "credential must be the browser's PublicKeyCredential, as JSON",
                    "credential");
        }
        return credential;
    }

    private static String label(JsonNode body) {
        JsonNode label = body.get("label");
        if (label == null || label.isNull() || label.asText().isBlank()) {
            return null;
        }
        if (!label.isTextual() || label.asText().length() > MAX_LABEL_LENGTH) {
            throw new Refused(400, "validation", "label must be text of at most " + MAX_LABEL_LENGTH + " characters",
                    "label");
        }
        return label.asText().strip();
    }

    private static JsonNode problem(int status, String type, String detail, String field) {
        ObjectNode problem = JSON.createObjectNode().put("type", PROBLEMS + type).put("status", status)
                .put("detail", detail);
        if (field != null) {
            problem.putArray("errors").addObject().put("field", field).put("message", detail);
        }
        return problem;
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type",
                status >= 400 ? "application/problem+json" : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String contentType(String file) {
        if (file.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        return file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    }
}
