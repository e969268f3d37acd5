package io.keystep.delivery.provider;

import io.keystep.delivery.domain.PushReasons;
import io.keystep.events.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Sends one message on its channel through the tenant's providers in routing order: each provider with its own
 * retries and circuit breaker ({@link ProviderGuard}), then the next provider, until one takes the message. Codes and
 * factor-change notices go out the same way.
 */
@ApplicationScoped
public class ProviderFailover {

    private static final Logger LOG = Logger.getLogger(ProviderFailover.class);

    private final ProviderDirectory providers;
    private final MeterRegistry meters;
    /** Timers by their tags, looked up once rather than registered again on every send. */
    private final ConcurrentMap<LatencyTags, Timer> latencyTimers = new ConcurrentHashMap<>();

    private record LatencyTags(String provider, Channel channel, boolean accepted) {
    }

    public ProviderFailover(ProviderDirectory providers, MeterRegistry meters) {
        this.providers = providers;
        this.meters = meters;
    }

    /** Never fails for a refusal: the result names the provider that took the message, or why none did. */
    public Uni<ProviderSendResult> send(OutboundMessage message) {
        List<RegisteredProvider> candidates = providers.route(message.tenantId(), message.channel());
        if (candidates.isEmpty()) {
            return Uni.createFrom().item(new ProviderSendResult(null, null, "NO_PROVIDER_FOR_CHANNEL"));
        }
        return failover(candidates, 0, message, null);
    }

    /**
     * Sends through the one provider named {@code providerName} (the platform of a push destination), with its retries
     * and circuit breaker; never fails for a refusal. A provider not configured for the message's channel answers
     * {@code PROVIDER_NOT_CONFIGURED} without a try.
     */
    public Uni<ProviderSendResult> sendThrough(String providerName, OutboundMessage message) {
        return providers.byName(providerName)
                .filter(provider -> provider.adapter().channels().contains(message.channel()))
                .map(provider -> provider.guard().send(() -> timed(provider, message)).map(outcome ->
                        outcome instanceof SendOutcome.Accepted accepted
                                ? new ProviderSendResult(provider, accepted, null)
                                : new ProviderSendResult(provider, null, ((SendOutcome.Refused) outcome).reason())))
                .orElseGet(() -> Uni.createFrom().item(
                        new ProviderSendResult(null, null, PushReasons.PROVIDER_NOT_CONFIGURED)));
    }

    private Uni<ProviderSendResult> failover(List<RegisteredProvider> candidates, int index, OutboundMessage message,
                                             ProviderSendResult last) {
        if (index >= candidates.size()) {
            return Uni.createFrom().item(last);
        }
        RegisteredProvider provider = candidates.get(index);
        return provider.guard().send(() -> timed(provider, message)).chain(outcome -> {
            if (outcome instanceof SendOutcome.Accepted accepted) {
                if (index > 0) {
                    // Fallback usage across providers: the channel's first choice did not take the message.
                    meters.counter("keystep.delivery.provider.failovers", "channel", message.channel().name(),
                            "provider", provider.name()).increment();
                }
                return Uni.createFrom().item(new ProviderSendResult(provider, accepted, null));
            }
            SendOutcome.Refused refused = (SendOutcome.Refused) outcome;
            ProviderSendResult failed = new ProviderSendResult(provider, null, refused.reason());
            // A provider skipped for an open circuit does not hide the reason a tried provider gave.
            ProviderSendResult worth = "CIRCUIT_OPEN".equals(refused.reason()) && last != null ? last : failed;
            if (index + 1 < candidates.size()) {
                LOG.infof("provider %s refused challenge %s (%s); trying the next provider", provider.name(),
                        message.challengeId(), refused.reason());
            }
            return failover(candidates, index + 1, message, worth);
        });
    }

    /** One try at one provider, timed by outcome. */
    private Uni<SendOutcome> timed(RegisteredProvider provider, OutboundMessage message) {
        Timer.Sample sample = Timer.start(meters);
        return provider.adapter().send(message).invoke(outcome -> {
            boolean accepted = outcome instanceof SendOutcome.Accepted;
            sample.stop(latencyTimers.computeIfAbsent(new LatencyTags(provider.name(), message.channel(), accepted),
                    t -> meters.timer("keystep.delivery.provider.latency", "provider", t.provider(),
                            "channel", t.channel().name(), "outcome", t.accepted() ? "accepted" : "refused")));
        });
    }
}
