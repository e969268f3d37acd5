package io.keystep.delivery.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

import java.time.Duration;

/**
 * A key taken once: {@code SET key 1 NX EX seconds}, so that of any number of claimants exactly one is told it took
 * it, until the key expires. The ledgers of delivery jobs and of factor-change notices claim this way before sending.
 */
final class OnceKeys {

    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(3);

    private OnceKeys() {
    }

    /** True when this call took {@code key}; false when it was taken already. */
    static Uni<Boolean> claim(ReactiveRedisDataSource redis, String key, long seconds) {
        return redis.execute("SET", key, "1", "NX", "EX", String.valueOf(seconds))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(OnceKeys::wasSet);
    }

    private static boolean wasSet(Response response) {
        return response != null && "OK".equalsIgnoreCase(response.toString());
    }
}
