package io.keystep.delivery.store;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * Remembers which delivery jobs (one send of one challenge: challenge id and send attempt) were taken, so that a job consumed twice (a redelivery, a rebalance, a crash
 * between send and commit) is sent once. The claim is taken before sending: a crash after the claim loses that
 * send rather than doubling it, and the person can ask for a new code.
 */
@ApplicationScoped
public class DeliveryJobLedger {

    private final ReactiveRedisDataSource redis;

    public DeliveryJobLedger(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** True when this call took the job; false when someone already had. */
    public Uni<Boolean> claim(String tenantId, String challengeId, int sendAttempt, Duration ttl) {
        return OnceKeys.claim(redis, key(tenantId, challengeId, sendAttempt), ttl.toSeconds());
    }

    /** One job per send of a challenge: a resend is a new job, the same send consumed again is not. */
    static String key(String tenantId, String challengeId, int sendAttempt) {
        return "delivery:job:{" + tenantId + "}:" + challengeId + ":" + sendAttempt;
    }
}
