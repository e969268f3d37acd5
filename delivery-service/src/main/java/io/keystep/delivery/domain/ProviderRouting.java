package io.keystep.delivery.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Orders providers for one send: by priority (lower first), and within a priority by a weighted random draw, so that
 * traffic splits by weight while a failing provider's share fails over to the next in line.
 */
public final class ProviderRouting {

    private ProviderRouting() {
    }

    /** A provider's place for one tenant. */
    public record Route<T>(T provider, int priority, int weight) {
    }

    public static <T> List<T> order(List<Route<T>> routes, RandomGenerator random) {
        Map<Integer, List<Route<T>>> byPriority = new TreeMap<>();
        for (Route<T> route : routes) {
            byPriority.computeIfAbsent(route.priority(), p -> new ArrayList<>()).add(route);
        }
        List<T> ordered = new ArrayList<>();
        for (List<Route<T>> group : byPriority.values()) {
            if (group.size() == 1) {
                // Nothing to draw between.
                ordered.add(group.get(0).provider());
                continue;
            }
            List<Route<T>> left = new ArrayList<>(group);
            // Weight 0 means "only as a backup": never drawn while a weighted provider of the same priority is left.
            left.sort(Comparator.comparingInt(r -> r.weight() > 0 ? 0 : 1));
            while (!left.isEmpty()) {
                long total = left.stream().mapToLong(r -> Math.max(0, r.weight())).sum();
                int chosen = 0;
                if (total > 0) {
                    long ticket = random.nextLong(total);
                    for (int i = 0; i < left.size(); i++) {
                        ticket -= Math.max(0, left.get(i).weight());
                        if (ticket < 0) {
                            chosen = i;
                            break;
                        }
                    }
                }
                ordered.add(left.remove(chosen).provider());
            }
        }
        return ordered;
    }
}
