package io.keystep.risk.store;

import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.config.TenantPolicies;
import io.keystep.risk.domain.DecisionRules;
import io.keystep.risk.domain.RiskSettings;
import io.keystep.risk.domain.RiskSettingsPolicy;
import io.keystep.kit.settings.TenantSettingsCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Each tenant's decision rules: its configured policy with its settings applied. Scoring asks for them on every
 * login, so they are kept in memory for {@code keystep.risk.settings.cache-ttl} and read from Redis once per tenant
 * per period (concurrent logins share one read); a change made here replaces them at once.
 */
@ApplicationScoped
public class TenantRiskSettings {

    private final RiskSettingsStore store;
    private final TenantPolicies policies;
    private final TenantSettingsCache cache;
    private final Counter reads;

    public TenantRiskSettings(RiskSettingsStore store, TenantPolicies policies, RiskConfig config,
                              MeterRegistry registry, @CacheName("risk-settings") Cache cache) {
        this.store = store;
        this.policies = policies;
        this.cache = TenantSettingsCache.of(cache, config.settings().cacheTtl());
        this.reads = Counter.builder("keystep.risk.settings.reads")
                .description("tenant risk settings read from Redis (cache misses)").register(registry);
    }

    /** The rules that decide the tenant's logins now. */
    public Uni<DecisionRules> rulesFor(String tenantId) {
        return cache.get(tenantId, tenant -> {
            reads.increment();
            return store.overrides(tenant).map(s -> RiskSettingsPolicy.apply(policies.defaultsFor(tenant), s));
        });
    }

    /** The tenant's stored overrides, straight from Redis. */
    public Uni<RiskSettings> overrides(String tenantId) {
        return store.overrides(tenantId);
    }

    /** Replaces the tenant's overrides, forgets the rules kept in memory, and answers the overrides replaced. */
    public Uni<RiskSettings> replace(String tenantId, RiskSettings overrides) {
        return store.replace(tenantId, overrides).onTermination().call(() -> cache.forget(tenantId));
    }

    /** The platform defaults of the tenant's rules. */
    public DecisionRules defaultsFor(String tenantId) {
        return policies.defaultsFor(tenantId);
    }
}
