package io.keystep.benchmarks;

import io.keystep.deploy.AccessTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;

/**
 * The load generator's HTTP side: the Vert.x web client (non-blocking, keep-alive, one connection per concurrent
 * caller) and the calls a gateway makes to challenge-service.
 */
final class Http implements AutoCloseable {

    private final WebClient client;
    private final AccessTokens tokens;
    private final Map<String, String> gatewayTokens = new ConcurrentHashMap<>();

    /** {@code tokens}: the running stack's issuer, which signs a gateway token per tenant. */
    Http(Vertx vertx, int connections, AccessTokens tokens) {
        this.tokens = tokens;
        client = WebClient.create(vertx, new WebClientOptions()
                .setKeepAlive(true)
                .setMaxPoolSize(connections)
                .setPipelining(false)
                .setConnectTimeout(5000)
                .setIdleTimeout(0));
    }

    private String gatewayToken(String tenant) {
        return gatewayTokens.computeIfAbsent(tenant, t -> tokens.mint(t, "gateway", Duration.ofHours(4)));
    }

    /** {@code GET url} answering the status code. */
    Uni<String> get(String url) {
        return client.getAbs(url).send().map(r -> Integer.toString(r.statusCode()));
    }

    /**
     * {@code PUT /v1/users/{userId}/phone} for a user without factors, the person's address stated: a code goes to the
     * number (202).
     */
    Uni<Integer> enrollPhone(String challengeUrl, String tenant, String userId, String phone, String clientIp) {
        return client.putAbs(challengeUrl + "/v1/users/" + encode(userId) + "/phone")
                .bearerTokenAuthentication(gatewayToken(tenant))
                .putHeader("First-Factor-Authenticated-At", java.time.Instant.now().toString())
                .sendJsonObject(new JsonObject().put("phoneNumber", phone).put("clientIp", clientIp))
                .map(HttpResponse::statusCode);
    }

    /**
     * {@code PUT /v1/settings/verify} as the tenant's admin: logins try SMS alone. The sink never reports a message
     * delivered, so with the default chain every login of a run would fall back to WhatsApp and voice 30 s later, in
     * the middle of later measurements.
     */
    Uni<Integer> smsOnlyLogins(String challengeUrl, String tenant) {
        return client.putAbs(challengeUrl + "/v1/settings/verify")
                .bearerTokenAuthentication(tokens.mint(tenant, "admin", Duration.ofMinutes(10)))
                .sendJsonObject(new JsonObject().put("autoChannels", new io.vertx.core.json.JsonArray().add("sms")))
                .map(HttpResponse::statusCode);
    }

    /** {@code POST /v1/users/{userId}/phone/confirm} with the code the number received (200). */
    Uni<Integer> confirmPhone(String challengeUrl, String tenant, String userId, String code) {
        return client.postAbs(challengeUrl + "/v1/users/" + encode(userId) + "/phone/confirm")
                .bearerTokenAuthentication(gatewayToken(tenant))
                .sendJsonObject(new JsonObject().put("code", code))
                .map(HttpResponse::statusCode);
    }

    /**
     * {@code POST /v1/verifications} by SMS for a user, from a client address: the verification id, or null when
     * refused. Each verification has a user of its own, so that one user's failed checks never lock out another's.
     */
    Uni<String> createVerification(String challengeUrl, String tenant, String userId, String to,
                                   String clientAddress) {
        return client.postAbs(challengeUrl + "/v1/verifications")
                .bearerTokenAuthentication(gatewayToken(tenant))
                .putHeader("X-Forwarded-For", clientAddress)
                .sendJsonObject(new JsonObject().put("to", to).put("channel", "sms").put("purpose", "login")
                        .put("userId", userId))
                .map(r -> r.statusCode() == 201 ? r.bodyAsJsonObject().getString("id") : null);
    }

    /** {@code POST /v1/verifications/{id}/check}: answers "200 pending", "200 approved", "409", ... */
    Uni<String> check(String challengeUrl, String tenant, String id, Buffer body) {
        return client.postAbs(challengeUrl + "/v1/verifications/" + id + "/check")
                .bearerTokenAuthentication(gatewayToken(tenant))
                .putHeader("Content-Type", "application/json")
                .sendBuffer(body)
                .map(r -> r.statusCode() == 200
                        ? "200 " + r.bodyAsJsonObject().getString("status")
                        : Integer.toString(r.statusCode()));
    }

    /**
     * Runs {@code count} calls with at most {@code concurrency} in flight and waits for all of them; answers their
     * results in order (null for a call that failed).
     */
    static <T> List<T> all(int count, int concurrency, Duration timeout, IntFunction<Uni<T>> call) {
        Semaphore permits = new Semaphore(concurrency);
        List<T> results = new ArrayList<>(java.util.Collections.nCopies(count, null));
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(count);
        try {
            for (int i = 0; i < count; i++) {
                permits.acquire();
                int index = i;
                call.apply(i).subscribe().with(result -> {
                    synchronized (results) {
                        results.set(index, result);
                    }
                    permits.release();
                    done.countDown();
                }, failure -> {
                    permits.release();
                    done.countDown();
                });
            }
            if (!done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("calls unanswered after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        synchronized (results) {
            return new ArrayList<>(results);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        client.close();
    }
}
