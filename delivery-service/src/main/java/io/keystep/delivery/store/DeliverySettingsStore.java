package io.keystep.delivery.store;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.config.TenantPolicies;
import io.keystep.delivery.domain.DeliverySettings;
import io.keystep.kit.settings.TenantSettingsCache;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tenants' own delivery settings, in the Redis hash {@code delivery:settings:{tenant}} (one field per overridden
 * setting, as text; the hash tag keeps a tenant's keys on one Cluster slot). Read settings are reused for
 * {@code settings-cache-ttl} (5 s) per instance (cache {@code delivery-settings}), and dropped at once on this
 * instance when the tenant's settings are written: another instance sees a change within the TTL.
 */
@ApplicationScoped
public class DeliverySettingsStore {

    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(3);
    /** Drops the old overrides and writes the new ones in one step, so that a reader never sees half a change. */
    private static final RedisScript REPLACE = RedisScript.load(DeliverySettingsStore.class, "replace-settings.lua");

    /** Stored overrides and the effective settings they make (null when an override no longer validates). */
    private record Cached(Map<String, String> overrides, DeliverySettings effective) {
    }

    private final ReactiveRedisDataSource redis;
    private final TenantPolicies policies;
    private final TenantSettingsCache cache;

    public DeliverySettingsStore(ReactiveRedisDataSource redis, TenantPolicies policies, DeliveryConfig config,
                                 @CacheName("delivery-settings") Cache cache) {
        this.redis = redis;
        this.policies = policies;
        this.cache = TenantSettingsCache.of(cache, config.settingsCacheTtl());
    }

    /** The tenant's effective settings: its stored overrides over the platform defaults. */
    public Uni<DeliverySettings> of(String tenantId) {
        // an override that no longer validates fails here, as it did when it was read
        return cached(tenantId).map(c -> c.effective() != null ? c.effective()
                : policies.defaults(tenantId).with(c.overrides()));
    }

    /** The tenant's stored overrides by field name (cached). */
    public Uni<Map<String, String>> overrides(String tenantId) {
        return cached(tenantId).map(Cached::overrides);
    }

    private Uni<Cached> cached(String tenantId) {
        return cache.get(tenantId, tenant -> read(tenant).map(o -> new Cached(o, effectiveOrNull(tenant, o))));
    }

    /** The settings the overrides make, worked out once per read; null when one does not validate any more. */
    private DeliverySettings effectiveOrNull(String tenantId, Map<String, String> overrides) {
        try {
            return policies.defaults(tenantId).with(overrides);
        } catch (RuntimeException invalid) {
            return null;
        }
    }

    /** The tenant's stored overrides, straight from Redis. */
    public Uni<Map<String, String>> read(String tenantId) {
        return redis.hash(String.class).hgetall(key(tenantId))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(found -> found == null ? Map.<String, String>of() : Map.copyOf(new TreeMap<>(found)));
    }

    /** Replaces the tenant's overrides (an empty map returns every setting to its default). */
    public Uni<Void> replace(String tenantId, Map<String, String> overrides) {
        List<String> args = new ArrayList<>(List.of("1", key(tenantId)));
        overrides.forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        return REPLACE.run(redis, args.toArray(String[]::new))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .call(() -> cache.forget(tenantId))
                .replaceWithVoid();
    }

    static String key(String tenantId) {
        return "delivery:settings:{" + tenantId + "}";
    }
}
