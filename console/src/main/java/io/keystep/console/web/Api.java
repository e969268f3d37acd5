package io.keystep.console.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.console.ConsoleConfig;
import io.keystep.console.session.Session;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The four services' APIs, called with the signed-in person's token: the console holds no credential of its own, so
 * a screen can never show or change what the person's role may not.
 */
@ApplicationScoped
public class Api {

    /** The services the console calls. */
    public enum Service { RISK, CHALLENGE, DELIVERY, AUDIT }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ConsoleConfig config;
    private final ObjectMapper json;
    private final WebClient client;

    public Api(Vertx vertx, ConsoleConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        this.client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false)
                .setUserAgent("keystep-console").setKeepAlive(true));
    }

    @PreDestroy
    void close() {
        client.close();
    }

    public URI base(Service service) {
        ConsoleConfig.Services services = config.services();
        return URI.create(switch (service) {
            case RISK -> services.risk();
            case CHALLENGE -> services.challenge();
            case DELIVERY -> services.delivery();
            case AUDIT -> services.audit();
        });
    }

    public Uni<Reply> get(Session session, Service service, String path, Map<String, String> query) {
        return send(session, HttpMethod.GET, service, path, query, null);
    }

    public Uni<Reply> post(Session session, Service service, String path, Object body) {
        return send(session, HttpMethod.POST, service, path, Map.of(), body);
    }

    public Uni<Reply> put(Session session, Service service, String path, Object body) {
        return send(session, HttpMethod.PUT, service, path, Map.of(), body);
    }

    public Uni<Reply> delete(Session session, Service service, String path) {
        return send(session, HttpMethod.DELETE, service, path, Map.of(), null);
    }

    private Uni<Reply> send(Session session, HttpMethod method, Service service, String path,
                            Map<String, String> query, Object body) {
        HttpRequest<Buffer> request = client.requestAbs(method, base(service).resolve(path).toString())
                .putHeader("Authorization", "Bearer " + session.token())
                .putHeader("Accept", "application/json, application/problem+json, text/csv, application/x-ndjson")
                .timeout(TIMEOUT.toMillis());
        query.forEach((name, value) -> {
            if (value != null && !value.isBlank()) {
                request.addQueryParam(name, value);
            }
        });
        Uni<HttpResponse<Buffer>> sent;
        if (body == null) {
            sent = request.send();
        } else {
            try {
                sent = request.putHeader("Content-Type", "application/json")
                        .sendBuffer(Buffer.buffer(json.writeValueAsBytes(body)));
            } catch (IOException e) {
                return Uni.createFrom().failure(e);
            }
        }
        return sent.map(this::reply).onFailure().recoverWithItem(e -> Reply.unreachable(service, e));
    }

    private Reply reply(HttpResponse<Buffer> response) {
        String type = response.getHeader("Content-Type");
        byte[] bytes = response.body() == null ? new byte[0] : response.body().getBytes();
        JsonNode body = null;
        if (type != null && type.contains("json") && !type.contains("ndjson") && bytes.length > 0) {
            try {
                body = json.readTree(bytes);
            } catch (IOException e) {
                body = null;
            }
        }
        return new Reply(response.statusCode(), type, body, bytes, response.getHeader("X-Next-Cursor"));
    }

    /** What a service answered. {@code json} is null unless the body was JSON. */
    public record Reply(int status, String contentType, JsonNode json, byte[] bytes, String nextCursor) {

        static Reply unreachable(Service service, Throwable cause) {
            return new Reply(503, "text/plain", null,
                    (service.name().toLowerCase(java.util.Locale.ROOT) + "-service could not be reached: "
                            + cause.getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
        }

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The problem's detail (or title), or the body's text, for a page that says what went wrong. */
        public String problem() {
            if (json != null && json.hasNonNull("detail")) {
                return json.get("detail").asText();
            }
            if (json != null && json.hasNonNull("title")) {
                return json.get("title").asText();
            }
            String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            return text.isBlank() ? "HTTP " + status : text;
        }

        /** The field errors of a 400 problem: field name to message. */
        public Map<String, String> fieldErrors() {
            Map<String, String> errors = new java.util.LinkedHashMap<>();
            if (json != null && json.has("errors")) {
                for (JsonNode error : json.get("errors")) {
                    String field = error.path("field").asText("");
                    errors.merge(field, error.path("message").asText(""), (a, b) -> a + "; " + b);
                }
            }
            return errors;
        }
    }
}
