package io.keystep.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points a Quarkus test at the shared real Redis Cluster (three primaries) instead of the single Redis server,
 * connected as the tested service's own Redis user. For a test profile that leaves the global test resources out
 * and lists this one in their place.
 */
public class RedisClusterTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return SharedServers.redisCluster().clientConfig(TestedService.name());
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; stopped when the JVM exits
    }
}
