package io.keystep.delivery.provider;

/**
 * What trying a channel's providers for one message came to.
 *
 * @param provider the provider that took the message, or the last one that refused it; null when none was tried
 * @param accepted the provider's acceptance, or null when no provider took the message
 * @param reason   why no provider took it (for example {@code PROVIDER_HTTP_503}); null when one did
 */
public record ProviderSendResult(RegisteredProvider provider, SendOutcome.Accepted accepted, String reason) {

    public boolean sent() {
        return accepted != null;
    }

    public String providerName() {
        return provider == null ? null : provider.name();
    }
}
