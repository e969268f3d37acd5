package io.keystep.kit.settings;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CaffeineCache;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.function.Function;

/**
 * A tenant's settings kept in memory, in a named quarkus-cache (Caffeine) cache, for a time each service takes from
 * its own configuration property, so that operators keep the names they set. The freshness rule of every service:
 * a change saved on this replica applies here at once ({@link #forget}); a change saved on another replica applies
 * here within the expiry. Concurrent readers of one tenant share one read, and a failed read is not kept (the next
 * reader tries again).
 */
public final class TenantSettingsCache {

    private final Cache cache;

    private TenantSettingsCache(Cache cache) {
        this.cache = cache;
    }

    /**
     * Keeps each entry {@code expireAfterWrite} after it was read (the service's configured time to live). The
     * cache must be configured with an expiry ({@code quarkus.cache.caffeine."name".expire-after-write}, set to the
     * service's own property): an entry that never expired would never see another replica's change, so a cache
     * without one fails the start here.
     */
    public static TenantSettingsCache of(Cache cache, Duration expireAfterWrite) {
        cache.as(CaffeineCache.class).setExpireAfterWrite(expireAfterWrite);
        return new TenantSettingsCache(cache);
    }

    /** The tenant's settings from memory while fresh, else from {@code read}. */
    public <V> Uni<V> get(String tenantId, Function<String, Uni<V>> read) {
        return cache.getAsync(tenantId, read);
    }

    /** Forgets the tenant's settings, after a change saved on this replica. */
    public Uni<Void> forget(String tenantId) {
        return cache.invalidate(tenantId);
    }
}
