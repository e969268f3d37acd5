package io.keystep.delivery.store;

import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * What sending cost, per tenant and month, by provider and country ({@code delivery:cost:{tenant}:<yyyy-MM>}, field
 * {@code <provider>:<country>}), kept for 13 months for invoicing; the same figures feed the cost metric.
 */
@ApplicationScoped
public class CostLedger {

    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(3);

    /** Adds to the month's amount and keeps the month for 400 days, in one call. */
    private static final RedisScript RECORD = RedisScript.load(CostLedger.class, "record-cost.lua");
    private static final String KEEP_SECONDS = String.valueOf(Duration.ofDays(400).toSeconds());

    private final ReactiveRedisDataSource redis;

    public CostLedger(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    public Uni<Void> record(String tenantId, String provider, String country, BigDecimal cost, Instant at) {
        String key = key(tenantId, at);
        return RECORD.run(redis, "1", key, provider + ":" + country, cost.toPlainString(), KEEP_SECONDS)
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .replaceWithVoid();
    }

    /** The month's costs of a tenant by {@code <provider>:<country>}. */
    public Uni<Map<String, BigDecimal>> month(String tenantId, Instant inMonth) {
        return redis.execute("HGETALL", key(tenantId, inMonth))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(response -> {
                    Map<String, BigDecimal> costs = new HashMap<>();
                    if (response == null) {
                        return costs;
                    }
                    java.util.Set<String> fields;
                    try {
                        fields = response.getKeys();
                    } catch (RuntimeException notAMap) {
                        fields = java.util.Set.of();
                    }
                    if (fields != null && !fields.isEmpty()) {
                        for (String field : fields) {
                            costs.put(field, new BigDecimal(response.get(field).toString()));
                        }
                    } else {
                        // RESP2 answers a flat array of field, value, field, value...
                        for (int i = 0; i + 1 < response.size(); i += 2) {
                            costs.put(response.get(i).toString(), new BigDecimal(response.get(i + 1).toString()));
                        }
                    }
                    return costs;
                });
    }

    static String key(String tenantId, Instant at) {
        return "delivery:cost:{" + tenantId + "}:" + MONTH.format(at);
    }
}
