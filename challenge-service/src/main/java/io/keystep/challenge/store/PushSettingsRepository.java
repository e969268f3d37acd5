package io.keystep.challenge.store;

import io.keystep.challenge.config.VerifyConfig;
import io.keystep.challenge.domain.PushPolicy;
import io.keystep.kit.settings.TenantSettingsCache;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Each tenant's push settings (PostgreSQL), kept in memory for {@code keystep.verify.settings-cache-ttl} like the
 * other settings; a tenant without a row has the defaults.
 */
@ApplicationScoped
public class PushSettingsRepository {

    private static final String SELECT = "SELECT display_name, max_pushes, window_seconds, ttl_seconds"
            + " FROM tenant_push_settings WHERE tenant_id = $1";
    private static final String UPSERT = "INSERT INTO tenant_push_settings (tenant_id, display_name, max_pushes,"
            + " window_seconds, ttl_seconds, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            + " ON CONFLICT (tenant_id) DO UPDATE SET display_name = $2, max_pushes = $3, window_seconds = $4,"
            + " ttl_seconds = $5, updated_by = $6, updated_at = $7";

    private final Pool pool;
    private final TenantSettingsCache cache;

    public PushSettingsRepository(Pool pool, VerifyConfig config, @CacheName("push-settings") Cache cache) {
        this.pool = pool;
        this.cache = TenantSettingsCache.of(cache, config.settingsCacheTtl());
    }

    public Uni<PushPolicy> policyOf(String tenantId) {
        return cache.get(tenantId, this::read);
    }

    private Uni<PushPolicy> read(String tenantId) {
        return pool.preparedQuery(SELECT).execute(Tuple.of(tenantId)).map(rows -> {
            var it = rows.iterator();
            return it.hasNext() ? policy(it.next()) : PushPolicy.defaults(tenantId);
        });
    }

    public Uni<Void> save(String tenantId, PushPolicy p, String by, Instant at) {
        return pool.preparedQuery(UPSERT).execute(Tuple.tuple(java.util.List.of(tenantId, p.displayName(),
                        p.maxPushes(), (int) p.window().toSeconds(), (int) p.ttl().toSeconds(), by,
                        at.atOffset(ZoneOffset.UTC))))
                .replaceWithVoid().onTermination().call(() -> cache.forget(tenantId));
    }

    private static PushPolicy policy(Row r) {
        return new PushPolicy(r.getString("display_name"), r.getInteger("max_pushes"),
                Duration.ofSeconds(r.getInteger("window_seconds")), Duration.ofSeconds(r.getInteger("ttl_seconds")));
    }
}
