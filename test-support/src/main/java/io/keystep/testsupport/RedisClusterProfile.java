package io.keystep.testsupport;

import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.ArrayList;
import java.util.List;

/**
 * A test profile that runs a service on the shared Redis Cluster: the shared Kafka broker and the token issuer as
 * everywhere, the cluster in place of the single Redis server, and the service's own test resources from
 * {@link #serviceResources()}. The global test resources are left out, since one of them names the single server.
 */
public abstract class RedisClusterProfile implements QuarkusTestProfile {

    /** The service's other test resources (its database, stand-ins, keys). */
    protected abstract List<TestResourceEntry> serviceResources();

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        List<TestResourceEntry> resources = new ArrayList<>(List.of(new TestResourceEntry(KafkaTestResource.class),
                new TestResourceEntry(JwtTestResource.class),
                new TestResourceEntry(RedisClusterTestResource.class)));
        resources.addAll(serviceResources());
        return resources;
    }
}
