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
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real Redis Cluster of three primaries (no replicas), from the binaries inside the embedded-redis jar: the
 * 16,384 hash slots split between three processes, so that a command or script whose keys are not in one slot is
 * refused as it would be in production.
 */
public final class LocalRedisCluster implements AutoCloseable {

    private static final int PRIMARIES = 3;

    private final RedisShardedCluster cluster;
    private final List<Integer> ports;

    private LocalRedisCluster(RedisShardedCluster cluster, List<Integer> ports) {
        this.cluster = cluster;
        this.ports = ports;
    }

    public static LocalRedisCluster start() {
        List<Integer> ports = IntStream.of(FreePorts.distinct(PRIMARIES)).boxed().toList();
        try {
            var builder = RedisShardedCluster.newRedisCluster()
                    .withServerBuilder(new RedisServerBuilder()
                            .bind("127.0.0.1")
                            .setting("save \"\"")
                            .setting("appendonly no"))
                    .serverPorts(ports)
                    .initializationTimeout(Duration.ofSeconds(30));
            for (int i = 0; i < PRIMARIES; i++) {
                builder.shard("primary-" + i, 0);
            }
            RedisShardedCluster cluster = builder.build();
            cluster.start();
            awaitEveryNodeAgrees(ports);
            return new LocalRedisCluster(cluster, ports);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a Redis Cluster on ports " + ports, e);
        }
    }

    /**
     * Waits until every primary knows the others and serves all slots: the builder returns once the slots are
     * assigned, but the other nodes learn of it by gossip, and a node asked before that answers
     * {@code cluster_state:fail}.
     */
    private static void awaitEveryNodeAgrees(List<Integer> ports) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int port : ports) {
            try (Jedis node = new Jedis("127.0.0.1", port)) {
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

    /** The ports of the primaries. */
    public List<Integer> ports() {
        return ports;
    }

    /** What Quarkus' Redis client takes as {@code quarkus.redis.hosts} with {@code client-type=cluster}. */
    public String hosts() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** How many keys matching {@code pattern} each primary holds, in the order of {@link #ports()}. */
    public List<Integer> keysPerPrimary(String pattern) {
        List<Integer> counts = new ArrayList<>();
        for (int port : ports) {
            try (Jedis node = new Jedis("127.0.0.1", port)) {
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
