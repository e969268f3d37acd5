package io.keystep.delivery.provider;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.domain.ProviderRouting;
import io.keystep.events.Channel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** The configured providers, and the order in which to try them for a tenant and a channel. */
public final class ProviderDirectory {

    private final Map<String, RegisteredProvider> providers = new LinkedHashMap<>();
    private final Map<String, DeliveryConfig.Tenant> tenants;
    private final RandomGenerator random;

    public ProviderDirectory(List<RegisteredProvider> providers, Map<String, DeliveryConfig.Tenant> tenants,
                             RandomGenerator random) {
        for (RegisteredProvider provider : providers) {
            if (this.providers.put(provider.name(), provider) != null) {
                throw new IllegalArgumentException("two providers are named " + provider.name());
            }
        }
        this.tenants = tenants;
        this.random = random;
    }

    public Optional<RegisteredProvider> byName(String name) {
        return Optional.ofNullable(providers.get(name));
    }

    /** The providers that carry {@code channel} for {@code tenantId}, in the order to try them. */
    public List<RegisteredProvider> route(String tenantId, Channel channel) {
        Map<String, DeliveryConfig.Route> overrides = Optional.ofNullable(tenants.get(tenantId))
                .map(DeliveryConfig.Tenant::routes).orElse(Map.of());
        List<ProviderRouting.Route<RegisteredProvider>> routes = new ArrayList<>();
        for (RegisteredProvider provider : providers.values()) {
            if (!provider.adapter().channels().contains(channel) || !provider.serves(tenantId)) {
                continue;
            }
            DeliveryConfig.Route override = overrides.get(provider.name());
            int priority = override == null ? provider.priority() : override.priority().orElse(provider.priority());
            int weight = override == null ? provider.weight() : override.weight().orElse(provider.weight());
            routes.add(new ProviderRouting.Route<>(provider, priority, weight));
        }
        return ProviderRouting.order(routes, random);
    }
}
