package io.keystep.delivery.provider;

import io.keystep.events.Channel;

import java.util.List;

/** The configured providers, in order of preference. */
public final class ProviderDirectory {

    private final List<ProviderAdapter> providers;

    public ProviderDirectory(List<ProviderAdapter> providers) {
        this.providers = List.copyOf(providers);
    }

    /** The providers that carry {@code channel}, most preferred first. */
    public List<ProviderAdapter> forChannel(Channel channel) {
        return providers.stream().filter(p -> p.channels().contains(channel)).toList();
    }
}
