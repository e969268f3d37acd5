package io.keystep.benchmarks;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The store's ceiling: the check script run straight against Redis by a closed loop of clients, each call a wrong
 * code against a pending challenge with an attempt budget that never runs out and a user of its own whose lockout
 * never starts, so that every call takes the path a wrong check takes in the service (read, count the attempt,
 * compare, count the user's failure, answer pending). The loop connects as challenge-service's Redis user, so that
 * it runs with the service's rights and nothing more.
 */
final class RedisScriptLoop implements AutoCloseable {

    private static final int KEYS = 1024;

    private final Redis redis;
    private final CheckScript script;
    private final String sha;
    private final String tenant;
    private final String presented;

    RedisScriptLoop(Vertx vertx, RedisOptions options, int connections, CheckScript script, String runId) {
        this.redis = Redis.createClient(vertx, options
                .setMaxPoolSize(connections).setMaxPoolWaiting(100_000).setMaxWaitingHandlers(100_000));
        this.script = script;
        this.tenant = "bench-" + runId + "-redis";
        byte[] wrong = new byte[32];
        ThreadLocalRandom.current().nextBytes(wrong);
        this.presented = HexFormat.of().formatHex(wrong);
        this.sha = sha1(script.text());
        long farFuture = System.currentTimeMillis() + Duration.ofDays(1).toMillis();
        List<io.vertx.core.Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            byte[] digest = new byte[32];
            ThreadLocalRandom.current().nextBytes(digest);
            writes.add(redis.send(Request.cmd(Command.HSET).arg(key(i))
                    .arg("tenant").arg(tenant).arg("status").arg("pending").arg("attempts").arg("0")
                    .arg("maxAttempts").arg(Long.toString(Long.MAX_VALUE / 2)).arg("expiresAt").arg(farFuture)
                    .arg("digest").arg(HexFormat.of().formatHex(digest)).arg("userId").arg("bench-user-" + i)
                    .arg("loginId").arg("bench-login-" + i).arg("device").arg("bench-device").arg("channelPlan")
                    .arg("SMS")));
            writes.add(redis.send(Request.cmd(Command.PEXPIRE).arg(key(i)).arg(Duration.ofHours(1).toMillis())));
        }
        await(io.vertx.core.Future.all(writes));
        // Loaded as the service loads it, by one EVAL (the service's user may not run SCRIPT LOAD).
        await(Future.fromCompletionStage(eval(0).subscribeAsCompletionStage()));
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 unavailable", e);
        }
    }

    /** A challenge key of the service's shape: its hash tag (one per key here), then its id. */
    private String key(int i) {
        return "ks:challenge:{" + tenant + "-" + i + "}:" + tenant + "-" + i;
    }

    /** One check by {@code EVALSHA}, as challenge-service sends it. */
    Uni<String> evalsha(long sequence) {
        return send(Request.cmd(Command.EVALSHA).arg(sha), sequence);
    }

    /**
     * One check by {@code EVAL} with the script's text, as challenge-service sends it when Redis answers
     * {@code NOSCRIPT} (after a restart or {@code SCRIPT FLUSH}).
     */
    Uni<String> eval(long sequence) {
        return send(Request.cmd(Command.EVAL).arg(script.text()), sequence);
    }

    private Uni<String> send(Request request, long sequence) {
        // The user-lockout thresholds are out of reach, so that every call takes the wrong-code path in full
        // (count the attempt, compare, record the user's failure) instead of stopping at a lockout.
        request.arg(1).arg(key((int) (sequence % KEYS))).arg(tenant).arg(System.currentTimeMillis()).arg(presented)
                .arg(Duration.ofMinutes(15).toMillis()).arg(Integer.MAX_VALUE).arg(Duration.ofSeconds(30).toMillis())
                .arg(Duration.ofHours(1).toMillis()).arg(Integer.MAX_VALUE);
        return Uni.createFrom().completionStage(() -> redis.send(request).toCompletionStage())
                .map(r -> r.get(0).toString());
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Redis did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
