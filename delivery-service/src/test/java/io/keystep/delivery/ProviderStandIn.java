package io.keystep.delivery;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A real HTTP server standing in for a provider (Twilio, Telnyx or a webhook gateway): records every request and
 * answers in the provider's shape, or fails, or answers too late, as a test tells it.
 */
final class ProviderStandIn implements AutoCloseable {

    enum Shape {
        TWILIO, TELNYX, WEBHOOK
    }

    /** One request as received; header names in lower case. */
    record Request(String method, String path, Map<String, String> headers, String body) {
    }

    private final HttpServer server;
    private final Shape shape;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile int failureStatus = 503;
    private volatile boolean alwaysFail;
    private volatile Duration delay = Duration.ZERO;
    /** Sends the delayed answers, so that a slow answer holds no request thread while it waits. */
    private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "provider-stand-in-answers");
        thread.setDaemon(true);
        return thread;
    });

    private ProviderStandIn(HttpServer server, Shape shape) {
        this.server = server;
        this.shape = shape;
    }

    static ProviderStandIn start(Shape shape) {
        return start(shape, 4);
    }

    /** A stand-in reading up to {@code parallel} requests at once (delayed answers wait without a thread). */
    static ProviderStandIn start(Shape shape, int parallel) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            ProviderStandIn standIn = new ProviderStandIn(server, shape);
            server.createContext("/", standIn::handle);
            server.setExecutor(Executors.newFixedThreadPool(parallel));
            server.start();
            return standIn;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every request fails with {@code status} from now on. */
    ProviderStandIn alwaysFailWith(int status) {
        failureStatus = status;
        alwaysFail = true;
        return this;
    }

    /** Every answer comes only after {@code wait}, as from a slow provider. */
    ProviderStandIn answerAfter(Duration wait) {
        delay = wait;
        return this;
    }

    void failNext(int count, int status) {
        failureStatus = status;
        failures.set(count);
    }

    @Override
    public void close() {
        server.stop(0);
        answers.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> headers = exchange.getRequestHeaders().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().toLowerCase(Locale.ROOT), e -> e.getValue().get(0),
                        (a, b) -> a));
        requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body));
        Duration wait = delay;
        if (wait.isZero()) {
            answer(exchange);
        } else {
            answers.schedule(() -> {
                try {
                    answer(exchange);
                } catch (IOException e) {
                    // the client gave up waiting: a slow provider's answer that nobody reads
                }
            }, wait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (alwaysFail || failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                respond(exchange, failureStatus, "{\"error\":\"unavailable\"}");
                return;
            }
            String id = UUID.randomUUID().toString();
            switch (shape) {
                case TWILIO -> respond(exchange, 201, "{\"sid\":\"SM" + id.replace("-", "") + "\",\"status\":\"queued\"}");
                case TELNYX -> respond(exchange, 200, "{\"data\":{\"id\":\"" + id + "\",\"record_type\":\"message\"}}");
                case WEBHOOK -> respond(exchange, 202, "{\"accepted\":true}");
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
