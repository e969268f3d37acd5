package io.keystep.delivery.domain;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProviderRoutingTest {

    @Test
    void lowerPriorityIsAlwaysTriedFirst() {
        List<ProviderRouting.Route<String>> routes = List.of(new ProviderRouting.Route<>("backup", 2, 100),
                new ProviderRouting.Route<>("primary", 1, 1));
        for (int seed = 0; seed < 50; seed++) {
            assertEquals(List.of("primary", "backup"), ProviderRouting.order(routes, new SplittableRandom(seed)));
        }
    }

    @Test
    void samePrioritySplitsTrafficByWeightAndKeepsTheOtherAsFailover() {
        List<ProviderRouting.Route<String>> routes = List.of(new ProviderRouting.Route<>("a", 1, 3),
                new ProviderRouting.Route<>("b", 1, 1));
        Map<String, Integer> first = new HashMap<>();
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 4000; i++) {
            List<String> order = ProviderRouting.order(routes, random);
            assertEquals(2, order.size(), "the other provider stays as failover");
            first.merge(order.get(0), 1, Integer::sum);
        }
        double shareOfA = first.get("a") / 4000.0;
        assertTrue(shareOfA > 0.70 && shareOfA < 0.80, "a leads about 75% of the time: " + shareOfA);
    }

    @Test
    void weightZeroIsOnlyABackup() {
        List<ProviderRouting.Route<String>> routes = List.of(new ProviderRouting.Route<>("spare", 1, 0),
                new ProviderRouting.Route<>("main", 1, 10));
        for (int seed = 0; seed < 50; seed++) {
            assertEquals(List.of("main", "spare"), ProviderRouting.order(routes, new SplittableRandom(seed)));
        }
    }
}
