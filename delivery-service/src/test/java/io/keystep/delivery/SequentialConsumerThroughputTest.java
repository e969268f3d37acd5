package io.keystep.delivery;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import java.util.Map;

/** The same burst as {@link ConsumerThroughputTest}, one job at a time: the figure to compare with. */
@QuarkusTest
@TestProfile(SequentialConsumerThroughputTest.OneJobAtATime.class)
class SequentialConsumerThroughputTest extends ConsumerThroughputTest {

    public static class OneJobAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keystep.delivery.consumer.concurrency", "1");
        }
    }
}
