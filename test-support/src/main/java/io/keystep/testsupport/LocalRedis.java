package io.keystep.testsupport;

import redis.clients.jedis.AccessControlLogEntry;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A real Redis server process, from the binaries that ship inside the embedded-redis jar, with the platform's ACL
 * ({@link RedisAcl}): the default user off, each service and the operator with a password of this server's.
 */
public final class LocalRedis implements AutoCloseable {

    private final RedisServer server;
    private final int port;
    private final Map<String, String> passwords;

    private LocalRedis(RedisServer server, int port, Map<String, String> passwords) {
        this.server = server;
        this.port = port;
        this.passwords = passwords;
    }

    /** Starts Redis on {@code port}, or on a free port when {@code port} is 0, with fresh passwords. */
    public static LocalRedis start(int port) {
        return start(port, RedisAcl.newPasswords());
    }

    /** Starts Redis on {@code port} (0: a free one) with the users' {@code passwords}, by user name. */
    public static LocalRedis start(int port, Map<String, String> passwords) {
        int chosen = port > 0 ? port : FreePorts.next();
        try {
            RedisServerBuilder builder = RedisServer.newRedisServer()
                    .port(chosen)
                    .bind("127.0.0.1")
                    // No snapshots on disk: challenge state is short-lived and tests start from nothing.
                    .setting("save \"\"")
                    .setting("appendonly no");
            RedisAcl.lines(passwords).forEach(builder::setting);
            RedisServer server = builder.build();
            server.start();
            return new LocalRedis(server, chosen, Map.copyOf(passwords));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Redis on port " + chosen, e);
        }
    }

    public int port() {
        return port;
    }

    /** The server's address as a URL, {@code redis://127.0.0.1:port}, naming no user. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** The users' passwords on this server, by user name. */
    public Map<String, String> passwords() {
        return passwords;
    }

    /**
     * What a service's Redis client is configured with to connect as its own user: the URL names the user (the
     * client has no other place for it), the password has a property of its own so that no URL carries it.
     */
    public Map<String, String> clientConfig(String service) {
        RedisAcl.User user = RedisAcl.service(service);
        return Map.of("quarkus.redis.hosts", "redis://" + user.name() + "@127.0.0.1:" + port,
                "quarkus.redis.password", passwords.get(user.name()));
    }

    /** A connection authenticated as {@code user}, for a test that inspects Redis directly; the caller closes it. */
    public Jedis connect(String user) {
        Jedis jedis = new Jedis("127.0.0.1", port);
        jedis.auth(RedisAcl.user(user).name(), passwords.get(user));
        return jedis;
    }

    /**
     * Prints what the ACL refused while the server ran, so that a test failing on a missing permission says which
     * user wanted which command or key.
     */
    private void reportRefusals() {
        try (Jedis operator = connect(RedisAcl.OPERATOR.name())) {
            for (AccessControlLogEntry entry : operator.aclLog(100)) {
                System.err.println("Redis on port " + port + " refused " + entry.getUsername() + " " + entry.getReason()
                        + " " + entry.getObject() + " (" + entry.getContext() + ", " + entry.getCount() + " times)");
            }
        } catch (RuntimeException stoppedAlready) {
            // nothing to report from a server that is gone
        }
    }

    /** Stops the server; a test can start another on the same port to simulate a restart. */
    @Override
    public void close() {
        reportRefusals();
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
