package io.keystep.kit.store;

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
import java.util.List;

/**
 * A Redis Lua script kept as a {@code .lua} resource beside the class that runs it, read once and run by its SHA-1
 * ({@code EVALSHA}), so that a call sends a 40-character digest instead of the script's text and Redis skips
 * hashing it again. A server that does not know the script (restarted, fail-over to a replica, {@code SCRIPT
 * FLUSH}) answers {@code NOSCRIPT}; the call is then repeated by {@code EVAL}, which also loads the script.
 */
public final class RedisScript {

    private final String name;
    private final String source;
    private final String sha;

    private RedisScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1(source);
    }

    /**
     * Reads the script {@code resource}, a name relative to {@code owner}'s package (as
     * {@link Class#getResourceAsStream} resolves it), so that a script sits beside the store that runs it.
     */
    public static RedisScript load(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing Redis script " + resource + " beside " + owner.getName());
            }
            return new RedisScript(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Redis script " + resource, e);
        }
    }

    /**
     * A script put together from the text of resources (as one store runs another's script at the end of its own,
     * in the same atomic step); {@code name} names it in messages.
     */
    public static RedisScript of(String name, String source) {
        return new RedisScript(name, source);
    }

    /** The script's text, as {@code EVAL} sends it. */
    public String source() {
        return source;
    }

    /** The script's SHA-1 in hex, as {@code EVALSHA} names it. */
    public String sha() {
        return sha;
    }

    /**
     * Runs the script with {@code keys} and {@code args}. The outcome is the same as by {@code EVAL}: a script is
     * atomic either way, and the fallback runs only when the first call did not run the script at all.
     */
    public Uni<Response> run(ReactiveRedisDataSource redis, List<String> keys, String... args) {
        String[] numKeysKeysAndArgs = new String[1 + keys.size() + args.length];
        numKeysKeysAndArgs[0] = Integer.toString(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            numKeysKeysAndArgs[1 + i] = keys.get(i);
        }
        System.arraycopy(args, 0, numKeysKeysAndArgs, 1 + keys.size(), args.length);
        return run(redis, numKeysKeysAndArgs);
    }

    /**
     * Runs the script with {@code numKeysKeysAndArgs}: the number of keys, the keys, then the arguments, as they
     * follow the script in {@code EVAL}.
     */
    public Uni<Response> run(ReactiveRedisDataSource redis, String... numKeysKeysAndArgs) {
        String[] call = new String[numKeysKeysAndArgs.length + 1];
        System.arraycopy(numKeysKeysAndArgs, 0, call, 1, numKeysKeysAndArgs.length);
        call[0] = sha;
        return redis.execute("EVALSHA", call).onFailure(RedisScript::unknownScript).recoverWithUni(() -> {
            String[] eval = call.clone();
            eval[0] = source;
            return redis.execute("EVAL", eval);
        });
    }

    @Override
    public String toString() {
        return name + " (" + sha + ")";
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
