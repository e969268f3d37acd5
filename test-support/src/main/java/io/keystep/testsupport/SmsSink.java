package io.keystep.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in SMS provider that speaks the Twilio Messages API
 * ({@code POST /2010-04-01/Accounts/{sid}/Messages.json}, form-encoded, HTTP basic auth) and shows every
 * message it accepted, as MailHog does for mail: {@code GET /} as a page, {@code GET /messages} as JSON.
 */
public final class SmsSink implements AutoCloseable {

    private static final String MESSAGES_PATH = "/2010-04-01/Accounts/";
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final HttpServer server;
    private final String accountSid;
    private final String authToken;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private volatile int failureStatus = 503;

    /** One message the sink accepted. */
    public record Message(String sid, String to, String from, String body, Instant receivedAt) {
    }

    private SmsSink(HttpServer server, String accountSid, String authToken) {
        this.server = server;
        this.accountSid = accountSid;
        this.authToken = authToken;
    }

    /** Starts the sink on {@code port} (0 for a free one), accepting only the given credentials. */
    public static SmsSink start(int port, String accountSid, String authToken) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            SmsSink sink = new SmsSink(server, accountSid, authToken);
            server.createContext("/", sink::handle);
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.start();
            return sink;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the SMS sink", e);
        }
    }

    /** The base URL to configure as the provider's API URL. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String accountSid() {
        return accountSid;
    }

    public String authToken() {
        return authToken;
    }

    /** Every message accepted so far, oldest first. */
    public List<Message> messages() {
        return List.copyOf(messages);
    }

    /** The messages sent to one number. */
    public List<Message> messagesTo(String to) {
        return messages.stream().filter(m -> m.to().equals(to)).toList();
    }

    public void clear() {
        messages.clear();
    }

    /** Answers the next {@code count} sends with {@code status} instead of accepting them. */
    public void failNext(int count, int status) {
        failureStatus = status;
        failuresToServe.set(count);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if ("POST".equals(method) && path.startsWith(MESSAGES_PATH) && path.endsWith("/Messages.json")) {
                accept(exchange, path.substring(MESSAGES_PATH.length(), path.length() - "/Messages.json".length()));
            } else if ("GET".equals(method) && path.equals("/messages")) {
                respond(exchange, 200, "application/json", JSON.writeValueAsBytes(messages));
            } else if ("DELETE".equals(method) && path.equals("/messages")) {
                clear();
                respond(exchange, 204, "text/plain", new byte[0]);
            } else if ("GET".equals(method) && path.equals("/")) {
                respond(exchange, 200, "text/html; charset=utf-8", page().getBytes(StandardCharsets.UTF_8));
            } else {
                respond(exchange, 404, "application/json", "{\"message\":\"not found\"}".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private void accept(HttpExchange exchange, String sidInPath) throws IOException {
        if (!authorized(exchange.getRequestHeaders().getFirst("Authorization")) || !accountSid.equals(sidInPath)) {
            respond(exchange, 401, "application/json",
                    "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            respond(exchange, failureStatus, "application/json",
                    ("{\"code\":20500,\"message\":\"unavailable\",\"status\":" + failureStatus + "}")
                            .getBytes(StandardCharsets.UTF_8));
            return;
        }
        Map<String, String> form = parseForm(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String to = form.get("To");
        String body = form.get("Body");
        if (to == null || body == null) {
            respond(exchange, 400, "application/json",
                    "{\"code\":21604,\"message\":\"A 'To' and a 'Body' are required\",\"status\":400}"
                            .getBytes(StandardCharsets.UTF_8));
            return;
        }
        String sid = "SM" + UUID.randomUUID().toString().replace("-", "");
        messages.add(new Message(sid, to, form.get("From"), body, Instant.now()));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("sid", sid);
        answer.put("account_sid", accountSid);
        answer.put("to", to);
        answer.put("from", form.get("From"));
        answer.put("body", body);
        answer.put("status", "queued");
        respond(exchange, 201, "application/json", JSON.writeValueAsBytes(answer));
    }

    private boolean authorized(String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return false;
        }
        String expected = Base64.getEncoder()
                .encodeToString((accountSid + ":" + authToken).getBytes(StandardCharsets.UTF_8));
        return java.security.MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                header.substring("Basic ".length()).getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private String page() {
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\">"
                + "<meta http-equiv=\"refresh\" content=\"3\"><title>SMS sink</title></head><body>"
                + "<h1>SMS sink</h1><p>Messages the platform sent, newest first.</p>"
                + "<table border=\"1\" cellpadding=\"4\"><tr><th>received</th><th>to</th><th>from</th><th>body</th></tr>");
        List<Message> newestFirst = new ArrayList<>(messages);
        java.util.Collections.reverse(newestFirst);
        for (Message m : newestFirst) {
            html.append("<tr><td>").append(m.receivedAt()).append("</td><td>").append(escape(m.to()))
                    .append("</td><td>").append(escape(m.from())).append("</td><td>").append(escape(m.body()))
                    .append("</td></tr>");
        }
        return html.append("</table></body></html>").toString();
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }
}
