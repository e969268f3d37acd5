package io.keystep.testsupport;

import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;

/** A real Redis server process, from the binaries that ship inside the embedded-redis jar. */
public final class LocalRedis implements AutoCloseable {

    private final RedisServer server;
    private final int port;

    private LocalRedis(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts Redis on {@code port}, or on a free port when {@code port} is 0. */
    public static LocalRedis start(int port) {
        int chosen = port > 0 ? port : FreePorts.next();
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(chosen)
                    .bind("127.0.0.1")
                    // No snapshots on disk: challenge state is short-lived and tests start from nothing.
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            server.start();
            return new LocalRedis(server, chosen);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Redis on port " + chosen, e);
        }
    }

    public int port() {
        return port;
    }

    /** The URL Quarkus' Redis client takes, {@code redis://127.0.0.1:port}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops the server; a test can start another on the same port to simulate a restart. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
