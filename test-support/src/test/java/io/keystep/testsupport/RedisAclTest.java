package io.keystep.testsupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ACL of the tests' Redis as a stranger and as each service meets it: no way in without a user and its
 * password, no service into another's keys, no service at the commands that would read, wipe or reconfigure the
 * whole server. Redis answers {@code NOAUTH}/{@code WRONGPASS} to the first and {@code NOPERM} to the others.
 */
class RedisAclTest {

    private static LocalRedis redis;

    @BeforeAll
    static void start() {
        redis = LocalRedis.start(0);
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @Test
    void aConnectionWithoutAUserIsRefusedAndAWrongPasswordToo() {
        try (Jedis anonymous = new Jedis("127.0.0.1", redis.port())) {
            refused("NOAUTH", anonymous::ping);
            refused("NOAUTH", () -> anonymous.get("ks:any"));
            refused("WRONGPASS", () -> anonymous.auth("default", ""));
            refused("WRONGPASS", () -> anonymous.auth("challenge-service", "not-its-password"));
            refused("WRONGPASS", () -> anonymous.auth("operator", redis.passwords().get("risk-service")));
        }
    }

    @Test
    void eachServiceReachesItsOwnKeysAndNoOneElses() {
        Map<String, String> own = Map.of("risk-service", "risk:{t:u}:devices", "challenge-service",
                "ks:challenge:{t:u}:c1", "delivery-service", "delivery:attempt:{t}:c1");
        for (RedisAcl.User user : RedisAcl.SERVICES) {
            try (Jedis service = redis.connect(user.name())) {
                String key = own.get(user.name());
                assertEquals("OK", service.set(key, user.name()));
                assertEquals(user.name(), service.get(key));
                assertEquals("PONG", service.ping());
                for (String other : own.values()) {
                    if (!other.equals(key)) {
                        refused("NOPERM", () -> service.get(other));
                        refused("NOPERM", () -> service.del(other));
                        // A script is checked against the caller too: it cannot reach past the user's keys.
                        refusedInScript(() -> service.eval("return redis.call('GET', KEYS[1])", 1, other));
                        refusedInScript(() -> service.eval("return redis.call('GET', '" + other + "')", 0));
                    }
                }
            }
        }
        try (Jedis delivery = redis.connect("delivery-service")) {
            assertEquals(1L, delivery.incr("fraud:{t}:dest:+15550001:1"));
        }
    }

    @Test
    void noServiceMayWipeListReconfigureOrStopTheServer() {
        for (RedisAcl.User user : RedisAcl.SERVICES) {
            try (Jedis service = redis.connect(user.name())) {
                refused("NOPERM", service::flushAll);
                refused("NOPERM", service::flushDB);
                refused("NOPERM", () -> service.configGet("*"));
                refused("NOPERM", () -> service.configSet("appendonly", "yes"));
                refused("NOPERM", () -> service.keys("*"));
                refused("NOPERM", () -> service.scan("0"));
                refused("NOPERM", () -> service.sendCommand(Protocol.Command.DEBUG, "SLEEP", "0"));
                refused("NOPERM", () -> service.sendCommand(Protocol.Command.SHUTDOWN, "NOSAVE"));
                refused("NOPERM", service::aclList);
                refused("NOPERM", () -> service.aclSetUser(user.name(), "+@all"));
                refused("NOPERM", service::scriptFlush);
                refused("NOPERM", () -> service.sendCommand(Protocol.Command.MONITOR));
                refusedInScript(() -> service.eval("return redis.call('FLUSHALL')", 0));
            }
        }
        try (Jedis operator = redis.connect("operator")) {
            assertTrue(operator.aclList().stream().anyMatch(line -> line.startsWith("user default off ")),
                    operator.aclList().toString());
            assertEquals("OK", operator.configSet("maxmemory-policy", "noeviction"));
        }
    }

    @Test
    void theClusterTrustsNoOneByDefaultEither() {
        LocalRedisCluster cluster = SharedServers.redisCluster();
        int port = cluster.ports().get(0);
        try (Jedis anonymous = new Jedis("127.0.0.1", port)) {
            refused("NOAUTH", anonymous::clusterInfo);
            refused("NOAUTH", () -> anonymous.get("risk:{t:u}:devices"));
        }
        try (Jedis risk = cluster.connect(port, "risk-service");
             Jedis challenge = cluster.connect(port, "challenge-service")) {
            List<Object> slots = risk.clusterSlots();
            assertEquals(3, slots.size());
            refused("NOPERM", () -> risk.get("ks:challenge:{t:u}:c1"));
            refused("NOPERM", () -> challenge.get("risk:{t:u}:devices"));
            refused("NOPERM", risk::flushAll);
            refused("NOPERM", () -> challenge.configGet("*"));
            refused("NOPERM", () -> challenge.keys("*"));
            refused("NOPERM", challenge::clusterNodes);
            refused("NOPERM", () -> challenge.sendCommand(Protocol.Command.CLUSTER, "RESET", "SOFT"));
        }
    }

    /** A command a script runs is refused as the caller's own would be (Redis 6 words it its own way). */
    private static void refusedInScript(Executable call) {
        JedisDataException refused = assertThrows(JedisDataException.class, call);
        assertTrue(refused.getMessage().startsWith("NOPERM")
                || refused.getMessage().contains("The user executing the script can't"), refused.getMessage());
    }

    private static void refused(String answer, Executable call) {
        JedisDataException refused = assertThrows(JedisDataException.class, call);
        assertTrue(refused.getMessage().startsWith(answer), refused.getMessage());
    }
}
