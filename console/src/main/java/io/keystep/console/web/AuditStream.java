package io.keystep.console.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.console.session.Session;
import io.smallrye.mutiny.Multi;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.parsetools.RecordParser;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * audit-service's live stream ({@code GET /v1/audit/stream}, server-sent events), read with the person's token and
 * handed on event by event; closing the console's page closes the stream to audit-service.
 */
@ApplicationScoped
public class AuditStream {

    private final Api api;
    private final ObjectMapper json;
    private final HttpClient http;

    public AuditStream(Vertx vertx, Api api, ObjectMapper json) {
        this.api = api;
        this.json = json;
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    }

    @PreDestroy
    void close() {
        http.closeAndAwait();
    }

    /** The tenant's new audit events matching {@code query}, as audit-service sends them. */
    public Multi<JsonNode> events(Session session, Map<String, String> query) {
        String url = api.base(Api.Service.AUDIT).resolve("/v1/audit/stream").toString()
                + (query.isEmpty() ? "" : "?" + query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&")));
        AtomicReference<HttpClientRequest> open = new AtomicReference<>();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                .putHeader("Authorization", "Bearer " + session.token()).putHeader("Accept", "text/event-stream");
        StringBuilder data = new StringBuilder();
        return http.request(options)
                .invoke(open::set)
                .chain(HttpClientRequest::send)
                .onItem().transformToMulti(response -> {
                    if (response.statusCode() != 200) {
                        return Multi.createFrom().failure(new IllegalStateException(
                                "audit-service refused the stream: HTTP " + response.statusCode()));
                    }
                    return RecordParser.newDelimited("\n", response).toMulti();
                })
                .map(line -> line.toString(StandardCharsets.UTF_8).replace("\r", ""))
                .concatMap(line -> {
                    // server-sent events: data lines gather until a blank line ends the event
                    if (line.startsWith("data:")) {
                        data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
                        return Multi.createFrom().empty();
                    }
                    if (line.isEmpty() && !data.isEmpty()) {
                        String event = data.toString();
                        data.setLength(0);
                        try {
                            return Multi.createFrom().item(json.readTree(event));
                        } catch (IOException e) {
                            return Multi.createFrom().empty();
                        }
                    }
                    return Multi.createFrom().empty();
                })
                .onTermination().invoke(() -> {
                    HttpClientRequest request = open.get();
                    if (request != null) {
                        request.reset();
                    }
                });
    }
}
