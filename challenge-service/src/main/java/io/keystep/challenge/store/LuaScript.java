package io.keystep.challenge.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a Redis Lua script kept as a resource beside the store that runs it, and runs scripts by their SHA-1
 * ({@code EVALSHA}) so that a call sends a 40-character digest instead of the script's text and Redis skips
 * hashing it again. A server that does not know the script (restarted, fail-over to a replica, {@code SCRIPT
 * FLUSH}) answers {@code NOSCRIPT}; the call is then repeated by {@code EVAL}, which also loads the script.
 */
final class LuaScript {

    private static final Map<String, String> SHAS = new ConcurrentHashMap<>();

    private LuaScript() {
    }

    static String read(String name) {
        try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing Redis script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Redis script " + name, e);
        }
    }

    /**
     * Runs {@code script} with {@code numKeysKeysAndArgs} (the number of keys, the keys, then the arguments, as
     * after the script in {@code EVAL}). The outcome is the same as by {@code EVAL}: a script is atomic either way,
     * and the fallback runs only when the first call did not run the script at all.
     */
    static Uni<Response> run(ReactiveRedisDataSource redis, String script, String... numKeysKeysAndArgs) {
        String[] args = new String[numKeysKeysAndArgs.length + 1];
        System.arraycopy(numKeysKeysAndArgs, 0, args, 1, numKeysKeysAndArgs.length);
        args[0] = sha(script);
        return redis.execute("EVALSHA", args).onFailure(LuaScript::unknownScript).recoverWithUni(() -> {
            String[] eval = args.clone();
            eval[0] = script;
            return redis.execute("EVAL", eval);
        });
    }

    static String sha(String script) {
        return SHAS.computeIfAbsent(script, LuaScript::sha1);
    }

    private static boolean unknownScript(Throwable failure) {
        return failure.getMessage() != null && failure.getMessage().startsWith("NOSCRIPT");
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 unavailable", e);
        }
    }
}
