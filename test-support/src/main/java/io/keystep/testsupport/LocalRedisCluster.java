package io.keystep.testsupport;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.ScanParams;
import redis.clients.jedis.ScanResult;
import redis.embedded.RedisShardedCluster;
import redis.embedded.core.RedisServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real Redis Cluster of three primaries (no replicas), from the binaries inside the embedded-redis jar: the
 * 16,384 hash slots split between three processes, so that a command or script whose keys are not in one slot is
 * refused as it would be in production. Every node has the platform's ACL ({@link RedisAcl}); the nodes talk to
 * each other over the cluster bus, which takes no user, but every client authenticates.
 */
public final class LocalRedisCluster implements AutoCloseable {

    private static final int PRIMARIES = 3;

    private final RedisShardedCluster cluster;
    private final List<Integer> ports;
    private final Map<String, String> passwords;

    private LocalRedisCluster(RedisShardedCluster cluster, List<Integer> ports, Map<String, String> passwords) {
        this.cluster = cluster;
        this.ports = ports;
        this.passwords = passwords;
    }

    public static LocalRedisCluster start() {
        List<Integer> ports = IntStream.of(FreePorts.distinct(PRIMARIES)).boxed().toList();
        Map<String, String> passwords = RedisAcl.newPasswords();
        RedisServerBuilder nodes = new RedisServerBuilder()
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("appendonly no");
        // The users now, the default user turned off once the cluster is formed: the builder forms it unauthenticated.
        List<String> acl = RedisAcl.lines(passwords);
        acl.subList(1, acl.size()).forEach(nodes::setting);
        try {
            var builder = RedisShardedCluster.newRedisCluster()
                    .withServerBuilder(nodes)
                    .serverPorts(ports)
                    .initializationTimeout(Duration.ofSeconds(30));
            for (int i = 0; i < PRIMARIES; i++) {
                builder.shard("primary-" + i, 0);
            }
            RedisShardedCluster cluster = builder.build();
            cluster.start();
            LocalRedisCluster started = new LocalRedisCluster(cluster, ports, Map.copyOf(passwords));
            started.awaitEveryNodeAgrees();
            started.turnOffDefaultUser();
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a Redis Cluster on ports " + ports, e);
        }
    }

    /**
     * Waits until every primary knows the others and serves all slots: the builder returns once the slots are
     * assigned, but the other nodes learn of it by gossip, and a node asked before that answers
     * {@code cluster_state:fail}.
     */
    private void awaitEveryNodeAgrees() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int port : ports) {
            try (Jedis node = connect(port, RedisAcl.OPERATOR.name())) {
                String info = node.clusterInfo();
                while (!(info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:16384")
                        && info.contains("cluster_known_nodes:" + PRIMARIES))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Redis Cluster on " + ports + " did not converge: " + info);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                    info = node.clusterInfo();
                }
            }
        }
    }

    private void turnOffDefaultUser() {
        String[] rule = RedisAcl.DEFAULT_USER.substring("user default ".length()).split(" ");
        for (int port : ports) {
            try (Jedis node = connect(port, RedisAcl.OPERATOR.name())) {
                node.aclSetUser("default", rule);
            }
        }
    }

    /** A connection to the primary on {@code port}, authenticated as {@code user}; the caller closes it. */
    public Jedis connect(int port, String user) {
        Jedis jedis = new Jedis("127.0.0.1", port);
        jedis.auth(RedisAcl.user(user).name(), passwords.get(user));
        return jedis;
    }

    /** The users' passwords on every node, by user name. */
    public Map<String, String> passwords() {
        return passwords;
    }

    /** What a service's Redis client is configured with to use the cluster as its own user (see LocalRedis). */
    public Map<String, String> clientConfig(String service) {
        RedisAcl.User user = RedisAcl.service(service);
        return Map.of("quarkus.redis.client-type", "cluster",
                "quarkus.redis.hosts", ports.stream().map(p -> "redis://" + user.name() + "@127.0.0.1:" + p)
                        .collect(Collectors.joining(",")),
                "quarkus.redis.password", passwords.get(user.name()));
    }

    /** The ports of the primaries. */
    public List<Integer> ports() {
        return ports;
    }

    /** How many keys matching {@code pattern} each primary holds, in the order of {@link #ports()}. */
    public List<Integer> keysPerPrimary(String pattern) {
        List<Integer> counts = new ArrayList<>();
        for (int port : ports) {
            try (Jedis node = connect(port, RedisAcl.OPERATOR.name())) {
                int n = 0;
                String cursor = ScanParams.SCAN_POINTER_START;
                do {
                    ScanResult<String> page = node.scan(cursor, new ScanParams().match(pattern).count(1000));
                    n += page.getResult().size();
                    cursor = page.getCursor();
                } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
                counts.add(n);
            }
        }
        return counts;
    }

    @Override
    public void close() {
        try {
            cluster.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
