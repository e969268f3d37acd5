package io.keystep.testsupport;

import io.keystep.events.Topics;

import java.util.ArrayList;
import java.util.List;

/**
 * One Kafka broker, one Redis and one PostgreSQL per test JVM, started on first use and stopped when the JVM
 * exits, so that every test class of a module shares them instead of paying their start-up again.
 */
public final class SharedServers {

    private static LocalKafka kafka;
    private static LocalRedis redis;
    private static LocalPostgres postgres;
    private static LocalRedisCluster redisCluster;

    private SharedServers() {
    }

    /** The shared broker, with every platform topic and its dead-letter topic created. */
    public static synchronized LocalKafka kafka() {
        if (kafka == null) {
            LocalKafka started = LocalKafka.start(0);
            stopOnExit(started);
            try {
                started.createTopics(platformTopics(), 3);
            } catch (IllegalStateException slowFirstCreation) {
                // A creation the admin client retried after a slow answer can fail although the topic was made;
                // the second pass creates only what is still missing.
                started.createTopics(platformTopics(), 3);
            }
            kafka = started;
        }
        return kafka;
    }

    public static synchronized LocalRedis redis() {
        if (redis == null) {
            redis = LocalRedis.start(0);
            stopOnExit(redis);
        }
        return redis;
    }

    /** A Redis Cluster of three primaries, for the tests that prove the platform's keys fit one. */
    public static synchronized LocalRedisCluster redisCluster() {
        if (redisCluster == null) {
            redisCluster = LocalRedisCluster.start();
            stopOnExit(redisCluster);
        }
        return redisCluster;
    }

    /** Replaces the shared Redis by a new process on the same port, as a restart of Redis would. */
    public static synchronized LocalRedis restartRedis() {
        int port = redis().port();
        redis.close();
        // The same passwords: the services under test keep the configuration they were started with.
        redis = LocalRedis.start(port, redis.passwords());
        return redis;
    }

    public static synchronized LocalPostgres postgres() {
        if (postgres == null) {
            postgres = LocalPostgres.start(0);
            stopOnExit(postgres);
        }
        return postgres;
    }

    /** Every platform topic and its dead-letter topic, and the audit trail's checkpoints. */
    public static List<String> platformTopics() {
        List<String> topics = new ArrayList<>();
        topics.add(Topics.AUDIT_CHECKPOINT);
        for (String topic : Topics.ALL) {
            topics.add(topic);
            topics.add(Topics.deadLetter(topic));
        }
        return topics;
    }

    private static void stopOnExit(AutoCloseable server) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception ignored) {
                // the JVM is going away; nothing left to tell
            }
        }));
    }
}
