package io.keystep.risk.store;

import io.keystep.kit.settings.TenantSettingsCache;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.SignupExperiment;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Each tenant's signup experiment as scoring and the verification consumer see it: kept in memory for
 * {@code keystep.risk.settings.cache-ttl} like the risk settings, and replaced at once on the instance that changed it.
 */
@ApplicationScoped
public class TenantExperiments {

    private final SignupExperimentStore store;
    private final TenantSettingsCache cache;

    public TenantExperiments(SignupExperimentStore store, RiskConfig config,
                             @CacheName("risk-experiments") Cache cache) {
        this.store = store;
        this.cache = TenantSettingsCache.of(cache, config.settings().cacheTtl());
    }

    /** The tenant's experiment, running or stopped; empty when it never had one. */
    public Uni<Optional<SignupExperiment>> signupExperiment(String tenantId) {
        return cache.get(tenantId, store::experiment);
    }

    /** The tenant's experiment straight from Redis. */
    public Uni<Optional<SignupExperiment>> stored(String tenantId) {
        return store.experiment(tenantId);
    }

    /** Stores the tenant's experiment, forgets the one kept in memory, and answers the one replaced. */
    public Uni<Optional<SignupExperiment>> replace(String tenantId, SignupExperiment experiment) {
        return store.replace(tenantId, experiment).onTermination().call(() -> cache.forget(tenantId));
    }
}
