package io.keystep.risk.service;

import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.config.TenantPolicies;
import io.keystep.risk.domain.DecisionRules;
import io.keystep.risk.domain.RiskSettings;
import io.keystep.risk.domain.RiskSettingsPolicy;
import io.keystep.risk.store.RiskSettingsStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Each tenant's decision rules: its configured policy with its settings applied. Scoring asks for them on every
 * login, so they are kept in memory for {@code keystep.risk.settings.cache-ttl} and read from Redis once per tenant
 * per period (concurrent logins share one read); a change made here replaces them at once.
 */
@ApplicationScoped
public class TenantRiskSettings {

    private record Cached(Uni<DecisionRules> rules, long loadedAt) {
    }

    private final RiskSettingsStore store;
    private final TenantPolicies policies;
    private final long ttlNanos;
    private final Counter reads;
    private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();

    public TenantRiskSettings(RiskSettingsStore store, TenantPolicies policies, RiskConfig config,
                              MeterRegistry registry) {
        this.store = store;
        this.policies = policies;
        this.ttlNanos = config.settings().cacheTtl().toNanos();
        this.reads = Counter.builder("keystep.risk.settings.reads")
                .description("tenant risk settings read from Redis (cache misses)").register(registry);
    }

    /** The rules that decide the tenant's logins now. */
    public Uni<DecisionRules> rulesFor(String tenantId) {
        long now = System.nanoTime();
        Cached cached = cache.get(tenantId);
        if (cached != null && now - cached.loadedAt() < ttlNanos) {
            return cached.rules();
        }
        Uni<DecisionRules> load = Uni.createFrom().deferred(() -> {
                    reads.increment();
                    return store.overrides(tenantId);
                })
                .map(s -> RiskSettingsPolicy.apply(policies.defaultsFor(tenantId), s))
                .memoize().indefinitely();
        Cached fresh = new Cached(load, now);
        cache.put(tenantId, fresh);
        // A failed read is not remembered: the next login tries Redis again.
        return load.onFailure().invoke(() -> cache.remove(tenantId, fresh));
    }

    /** The tenant's stored overrides, straight from Redis. */
    public Uni<RiskSettings> overrides(String tenantId) {
        return store.overrides(tenantId);
    }

    /** Replaces the tenant's overrides, forgets the rules kept in memory, and answers the overrides replaced. */
    public Uni<RiskSettings> replace(String tenantId, RiskSettings overrides) {
        return store.replace(tenantId, overrides).onTermination().invoke(() -> cache.remove(tenantId));
    }

    /** The platform defaults of the tenant's rules. */
    public DecisionRules defaultsFor(String tenantId) {
        return policies.defaultsFor(tenantId);
    }
}
