package io.keystep.testsupport;

import io.keystep.events.Topics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * Where the JVM's broker is told to every class loader: a test profile restarts the application in a class
     * loader of its own, whose {@code SharedServers} would otherwise start a second broker (and whose broker
     * classes cannot authenticate the first broker's controller). A system property of text, one
     * {@code name=value} per line (every system property must be text: some libraries copy them all).
     */
    private static final String JVM_KAFKA = "keystep.test.shared-kafka";

    /** The shared broker, with every platform topic and its dead-letter topic created. */
    public static synchronized LocalKafka kafka() {
        String shared = System.getProperty(JVM_KAFKA);
        if (kafka == null && shared != null) {
            Map<String, String> passwords = new HashMap<>();
            for (String line : shared.split("\n")) {
                passwords.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
            String bootstrap = passwords.remove("bootstrap.servers");
            kafka = LocalKafka.attach(bootstrap, BusCredentials.of(passwords));
        }
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
            StringBuilder told = new StringBuilder("bootstrap.servers=" + started.bootstrapServers());
            started.credentials().passwords().forEach((name, password) -> told.append('\n').append(name)
                    .append('=').append(password));
            System.setProperty(JVM_KAFKA, told.toString());
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
