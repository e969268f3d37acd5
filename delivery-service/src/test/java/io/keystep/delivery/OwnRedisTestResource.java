package io.keystep.delivery;

import io.keystep.testsupport.LocalRedis;
import io.keystep.testsupport.TestedService;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** A Redis server of the test's own, which the test may stop and start again without touching the shared one. */
public class OwnRedisTestResource implements QuarkusTestResourceLifecycleManager {

    private static LocalRedis redis;

    static synchronized void stopServer() {
        redis.close();
    }

    /** Starts Redis again on the same port, as a Redis that comes back would. */
    static synchronized void restart() {
        redis = LocalRedis.start(redis.port(), redis.passwords());
    }

    @Override
    public synchronized Map<String, String> start() {
        redis = LocalRedis.start(0);
        return redis.clientConfig(TestedService.name());
    }

    @Override
    public synchronized void stop() {
        try {
            redis.close();
        } catch (RuntimeException ignored) {
            // already stopped by the test
        }
    }

    /** Started after the shared resources, so that its Redis URL is the one the application gets. */
    @Override
    public int order() {
        return 1_000;
    }
}
