package io.keystep.risk;

import io.keystep.testsupport.LocalRedis;
import io.keystep.testsupport.TestedService;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A Redis server of the test's own (never the shared one), so that a test may stop and restart it. The running
 * server is handed to the test through the JVM's system properties as an {@link AutoCloseable}, because the
 * resource and the test may be loaded by different class loaders.
 */
public class OwnRedisTestResource implements QuarkusTestResourceLifecycleManager {

    static final String SERVER = "keystep.test.own-redis";
    static final String PORT = "keystep.test.own-redis.port";
    /** The server's passwords by user, a {@code Map<String, String>}, so that a restarted server takes the same. */
    static final String PASSWORDS = "keystep.test.own-redis.passwords";

    @Override
    public Map<String, String> start() {
        LocalRedis redis = LocalRedis.start(0);
        System.getProperties().put(SERVER, redis);
        System.setProperty(PORT, Integer.toString(redis.port()));
        System.getProperties().put(PASSWORDS, redis.passwords());
        return redis.clientConfig(TestedService.name());
    }

    @Override
    public void stop() {
        Object server = System.getProperties().remove(SERVER);
        if (server instanceof AutoCloseable running) {
            try {
                running.close();
            } catch (Exception e) {
                // already stopped by the test
            }
        }
        System.clearProperty(PORT);
        System.getProperties().remove(PASSWORDS);
    }
}
