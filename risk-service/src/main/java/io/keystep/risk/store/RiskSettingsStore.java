package io.keystep.risk.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.kit.store.RedisScript;
import io.keystep.risk.domain.RiskSettings;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Each tenant's risk settings overrides in Redis, one JSON string under {@code risk:{tenant}:settings} (the
 * tenant's own hash tag; tenant ids never contain ':', so it cannot meet a {@code risk:{tenant:user}:} key).
 * Only overrides are stored: a field absent keeps following the platform default when that changes.
 */
@ApplicationScoped
public class RiskSettingsStore {

    /** Sets (or, given an empty value, deletes) the key and answers what it held, in one step. */
    private static final RedisScript REPLACE = RedisScript.load(RiskSettingsStore.class, "replace-settings.lua");

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;

    public RiskSettingsStore(ReactiveRedisDataSource redis, ObjectMapper mapper) {
        this.redis = redis;
        this.mapper = mapper;
    }

    public static String key(String tenantId) {
        return "risk:{" + tenantId + "}:settings";
    }

    /** The tenant's overrides; {@link RiskSettings#NONE} when it has none. */
    public Uni<RiskSettings> overrides(String tenantId) {
        return redis.value(String.class).get(key(tenantId)).map(this::read);
    }

    /** Replaces the tenant's overrides and answers the ones they replaced. */
    public Uni<RiskSettings> replace(String tenantId, RiskSettings overrides) {
        String json = overrides.equals(RiskSettings.NONE) ? "" : write(overrides);
        return REPLACE.run(redis, List.of(key(tenantId)), json)
                .map(r -> read(r == null ? null : r.toString()));
    }

    private RiskSettings read(String json) {
        if (json == null || json.isEmpty()) {
            return RiskSettings.NONE;
        }
        try {
            return mapper.readValue(json, RiskSettings.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable risk settings in Redis", e);
        }
    }

    private String write(RiskSettings settings) {
        try {
            return mapper.writeValueAsString(settings);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write risk settings", e);
        }
    }
}
