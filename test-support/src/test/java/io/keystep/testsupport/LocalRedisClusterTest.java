package io.keystep.testsupport;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalRedisClusterTest {

    @Test
    void threePrimariesShareEverySlotAndRefuseKeysOfDifferentSlots() {
        try (LocalRedisCluster cluster = LocalRedisCluster.start()) {
            assertEquals(3, cluster.ports().size());
            for (int port : cluster.ports()) {
                try (Jedis node = cluster.connect(port, RedisAcl.OPERATOR.name())) {
                    String info = node.clusterInfo();
                    assertTrue(info.contains("cluster_state:ok"), info);
                    assertTrue(info.contains("cluster_slots_assigned:16384"), info);
                    assertTrue(info.contains("cluster_known_nodes:3"), info);
                }
            }
            try (Jedis node = cluster.connect(cluster.ports().get(0), RedisAcl.OPERATOR.name())) {
                // "a" and "b" hash to different slots; one hash tag puts both in one slot.
                JedisDataException refused = assertThrows(JedisDataException.class,
                        () -> node.eval("return redis.call('MSET', KEYS[1], 1, KEYS[2], 2)", 2, "a", "b"));
                assertTrue(refused.getMessage().startsWith("CROSSSLOT") || refused.getMessage().startsWith("MOVED"),
                        refused.getMessage());
            }
            assertEquals(3, cluster.clientConfig("risk-service").get("quarkus.redis.hosts").split(",").length);
        }
    }
}
