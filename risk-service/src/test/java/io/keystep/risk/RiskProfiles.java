package io.keystep.risk;

import io.keystep.events.Outcome;
import io.keystep.risk.store.RiskProfileStore;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoreRange;

import java.time.Duration;

import static org.awaitility.Awaitility.await;

/** Reads and prepares users' profiles through the service's own events and the real Redis. */
final class RiskProfiles {

    private RiskProfiles() {
    }

    static boolean deviceKnown(RedisDataSource redis, String tenant, String user, String fingerprint) {
        return redis.hash(String.class).hexists(RiskProfileStore.userPrefix(tenant, user) + "devices",
                RiskProfileStore.fingerprintHash(fingerprint));
    }

    static void awaitDeviceKnown(RedisDataSource redis, String tenant, String user, String fingerprint) {
        await().atMost(Duration.ofSeconds(30)).until(() -> deviceKnown(redis, tenant, user, fingerprint));
    }

    /** Approves a device for the user the only way there is: an approved verification. */
    static void approveDevice(RedisDataSource redis, String tenant, String user, String fingerprint) {
        RiskKafka.verification(tenant, user, null, Outcome.APPROVED, fingerprint);
        awaitDeviceKnown(redis, tenant, user, fingerprint);
    }

    static boolean countryKnown(RedisDataSource redis, String tenant, String user, String country) {
        return redis.hash(String.class).hexists(RiskProfileStore.userPrefix(tenant, user) + "countries", country);
    }

    /** How many sign-ins the user has reported as not theirs, however long ago (within the year they are kept). */
    static long fraudReports(RedisDataSource redis, String tenant, String user) {
        return redis.sortedSet(String.class).zcount(RiskProfileStore.userPrefix(tenant, user) + "reported-fraud",
                new ScoreRange<>(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
    }

    static void awaitFraudReports(RedisDataSource redis, String tenant, String user, long count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> fraudReports(redis, tenant, user) == count);
    }
}
