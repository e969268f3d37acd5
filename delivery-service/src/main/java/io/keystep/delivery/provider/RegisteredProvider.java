package io.keystep.delivery.provider;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A configured provider: its adapter, default priority and weight, the tenants it serves (empty: all), what a message
 * costs by country, and its retries and circuit breaker.
 */
public record RegisteredProvider(ProviderAdapter adapter, int priority, int weight, Optional<Set<String>> tenants,
                                 Map<String, BigDecimal> costByCountry, ProviderGuard guard) {

    public String name() {
        return adapter.name();
    }

    public boolean serves(String tenantId) {
        return tenants.map(t -> t.contains(tenantId)).orElse(true);
    }

    /** The cost of one message to {@code country}, falling back to the {@code default} entry, else zero. */
    public BigDecimal cost(String country) {
        BigDecimal cost = country == null ? null : costByCountry.get(country.toUpperCase(java.util.Locale.ROOT));
        if (cost == null) {
            cost = costByCountry.get("DEFAULT");
        }
        return cost == null ? BigDecimal.ZERO : cost;
    }
}
