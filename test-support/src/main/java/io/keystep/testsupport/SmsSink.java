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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in SMS and WhatsApp provider that speaks the Twilio Messages API
 * ({@code POST /2010-04-01/Accounts/{sid}/Messages.json}, form-encoded, HTTP basic auth) and, when started with a
 * Telnyx API key, Telnyx's messaging API ({@code POST /v2/messages} and {@code POST /v2/messages/whatsapp}, JSON,
 * bearer key), and shows every message it accepted, as MailHog does for mail: {@code GET /} as a page,
 * {@code GET /messages} as JSON.
 * <p>
 * WhatsApp is checked as the providers check it for a business-initiated message (outside a 24-hour customer window):
 * only an approved template goes out. Twilio refuses a {@code Body} without {@code ContentSid} (error 63016), a
 * malformed {@code ContentSid} (21655), {@code ContentVariables} that are not a JSON object of non-empty strings or lack
 * the code as variable {@code "1"} (21656), and {@code ContentVariables} without {@code ContentSid} (21654). Telnyx
 * refuses a {@code whatsapp_message} that is not a template (131047), and an authentication template without the code
 * as the body's text parameter and as the parameter of the copy-code button (132000, or 131009 when the two differ).
 * A WhatsApp message accepted is recorded with its template and the code it carried.
 */
public final class SmsSink implements AutoCloseable {

    private static final String MESSAGES_PATH = "/2010-04-01/Accounts/";
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** Meta's limit for an authentication template's one-time password. */
    static final int MAX_CODE_LENGTH = 15;

    private final HttpServer server;
    private final String accountSid;
    private final String authToken;
    private final String telnyxApiKey;
    private final TwilioMessagesStandIn twilio;
    private final TelnyxMessagesStandIn telnyx;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private volatile int failureStatus = 503;

    /**
     * One message the sink accepted.
     *
     * @param provider {@code twilio} or {@code telnyx}: the API it came through
     * @param channel  {@code sms} or {@code whatsapp}
     * @param to       the destination number (E.164, without Twilio's {@code whatsapp:} prefix)
     * @param body     the text of an SMS; null for WhatsApp, which carries a template
     * @param template the WhatsApp template: Twilio's Content SID, or Telnyx's template name and language
     *                 ({@code name/en_US}); null for SMS
     * @param code     the code the WhatsApp template carried; null for SMS
     */
    public record Message(String sid, String provider, String channel, String to, String from, String body,
                          String template, String code, Instant receivedAt) {
    }

    private SmsSink(HttpServer server, String accountSid, String authToken, String telnyxApiKey) {
        this.server = server;
        this.accountSid = accountSid;
        this.authToken = authToken;
        this.telnyxApiKey = telnyxApiKey;
        this.twilio = new TwilioMessagesStandIn(this, accountSid, authToken);
        this.telnyx = new TelnyxMessagesStandIn(this, telnyxApiKey);
    }

    /** Starts the sink on {@code port} (0 for a free one), accepting only the given Twilio credentials. */
    public static SmsSink start(int port, String accountSid, String authToken) {
        return start(port, accountSid, authToken, null);
    }

    /**
     * Starts the sink on {@code port} (0 for a free one), accepting only the given Twilio credentials and, on the
     * Telnyx API, only {@code telnyxApiKey} (null: the Telnyx API refuses every call).
     */
    public static SmsSink start(int port, String accountSid, String authToken, String telnyxApiKey) {
        HttpServer server = loopbackServer(port, "the SMS sink");
        SmsSink sink = new SmsSink(server, accountSid, authToken, telnyxApiKey);
        server.createContext("/", sink::handle);
        server.start();
        return sink;
    }

    /** An HTTP server on the loopback address, four threads, not started yet; {@code what} names it in a failure. */
    static HttpServer loopbackServer(int port, String what) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            server.setExecutor(Executors.newFixedThreadPool(4));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + what, e);
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

    public String telnyxApiKey() {
        return telnyxApiKey;
    }

    /** The SMS sent to one number. */
    public List<Message> messagesTo(String to) {
        return messages.stream().filter(m -> m.channel().equals("sms") && m.to().equals(to)).toList();
    }

    /** The WhatsApp messages sent to one number (E.164), through either API. */
    public List<Message> whatsappTo(String to) {
        return messages.stream().filter(m -> m.channel().equals("whatsapp") && m.to().equals(to)).toList();
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
                twilio.accept(exchange, path.substring(MESSAGES_PATH.length(), path.length() - "/Messages.json".length()));
            } else if ("POST".equals(method) && (path.equals("/v2/messages") || path.equals("/v2/messages/whatsapp"))) {
                telnyx.accept(exchange, path.endsWith("/whatsapp"));
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

    /** Keeps an accepted message; {@code sidPrefix} empty: a UUID as the id (Telnyx), else prefix + hex (Twilio). */
    Message record(String sidPrefix, String provider, String channel, String to, String from, String body,
                   String template, String code) {
        String id = UUID.randomUUID().toString();
        Message message = new Message(sidPrefix.isEmpty() ? id : sidPrefix + id.replace("-", ""), provider, channel,
                to, from, body, template, code, Instant.now());
        messages.add(message);
        return message;
    }

    /** Whether this send is one of the failures {@link #failNext} asked for; counts it down. */
    boolean failingNow() {
        return failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    int failureStatus() {
        return failureStatus;
    }

    private String page() {
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\">"
                + "<meta http-equiv=\"refresh\" content=\"3\"><title>SMS sink</title></head><body>"
                + "<h1>SMS sink</h1><p>Messages the platform sent, newest first.</p>"
                + "<table border=\"1\" cellpadding=\"4\"><tr><th>received</th><th>via</th><th>to</th><th>from</th>"
                + "<th>body</th></tr>");
        List<Message> newestFirst = new ArrayList<>(messages);
        java.util.Collections.reverse(newestFirst);
        for (Message m : newestFirst) {
            String shown = m.body() != null ? m.body() : "template " + m.template() + ", code " + m.code();
            html.append("<tr><td>").append(m.receivedAt()).append("</td><td>").append(escape(m.provider()))
                    .append(' ').append(escape(m.channel())).append("</td><td>").append(escape(m.to()))
                    .append("</td><td>").append(escape(m.from())).append("</td><td>").append(escape(shown))
                    .append("</td></tr>");
        }
        return html.append("</table></body></html>").toString();
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }
}
