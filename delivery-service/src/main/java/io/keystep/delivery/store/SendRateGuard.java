package io.keystep.delivery.store;

import io.keystep.delivery.domain.SendLimits;
import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Send-rate state against SMS pumping, per tenant in hourly windows: sends per destination, per number range
 * (prefix) and per country, and a lower ceiling for countries the tenant rarely sends to (by configuration, or
 * learned from its last 30 days of sends). Checked and counted in one Redis script, so that concurrent sends cannot
 * slip past a limit together. All keys of a tenant share a hash tag, so the script also runs on Redis Cluster.
 */
@ApplicationScoped
public class SendRateGuard {

    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(3);
    private static final long HISTORY_TTL_SECONDS = Duration.ofDays(30).toSeconds();

    // KEYS: destination, prefix, country window counters; the tenant's country history hash.
    // ARGV: destination, prefix, country, rare-country limits; country; rare (1), usual (0) or learn (-1);
    //       rare share; learning minimum; window ttl; history ttl.
    private static final RedisScript CHECK_AND_COUNT = RedisScript.load(SendRateGuard.class, "check-and-count.lua");

    private final ReactiveRedisDataSource redis;

    public SendRateGuard(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /**
     * Counts a send and answers empty, or answers the rule that blocks it ({@code DESTINATION_RATE},
     * {@code PREFIX_RATE}, {@code COUNTRY_RATE}, {@code RARE_COUNTRY}) without counting.
     */
    public Uni<Optional<String>> admit(String tenantId, String e164, String prefix, String country, SendLimits limits,
                                       Instant now) {
        return admit(check(tenantId, e164, prefix, country, limits, now));
    }

    /** {@link #admit(String, String, String, String, SendLimits, Instant)} for a check worked out beforehand. */
    public Uni<Optional<String>> admit(Check check) {
        return CHECK_AND_COUNT.run(redis, List.of(check.keys()), check.args())
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(response -> verdict(response == null ? null : response.toString()));
    }

    /** The Redis keys and arguments of one check of a send. */
    public record Check(String[] keys, String[] args) {
    }

    /** What {@link #admit} checks and counts, for a script that runs the check after work of its own. */
    public static Check check(String tenantId, String e164, String prefix, String country, SendLimits limits,
                              Instant now) {
        long hour = now.getEpochSecond() / 3600;
        String base = "fraud:{" + tenantId + "}:";
        String rare = limits.rareByConfig().map(r -> r ? "1" : "0").orElse("-1");
        return new Check(new String[]{
                base + "dest:" + e164 + ":" + hour,
                base + "prefix:" + prefix + ":" + hour,
                base + "country:" + country + ":" + hour,
                base + "history"},
                new String[]{
                        String.valueOf(limits.destinationPerHour()), String.valueOf(limits.prefixPerHour()),
                        String.valueOf(limits.countryPerHour()), String.valueOf(limits.rareCountryPerHour()),
                        country, rare, String.valueOf(limits.rareShare()), String.valueOf(limits.learningMinimum()),
                        "3700", String.valueOf(HISTORY_TTL_SECONDS)});
    }

    /**
     * The check-and-count script with its keys and arguments numbered after another script's {@code keys} keys and
     * {@code args} arguments, so that it can run at the end of that script, in the same atomic step.
     */
    public static String checkAndCountAfter(int keys, int args) {
        String shifted = java.util.regex.Pattern.compile("KEYS\\[(\\d+)\\]").matcher(CHECK_AND_COUNT.source())
                .replaceAll(m -> "KEYS[" + (Integer.parseInt(m.group(1)) + keys) + "]");
        shifted = shifted.replace("KEYS[i]", "KEYS[i + " + keys + "]");
        return java.util.regex.Pattern.compile("ARGV\\[(\\d+)\\]").matcher(shifted)
                .replaceAll(m -> "ARGV[" + (Integer.parseInt(m.group(1)) + args) + "]");
    }

    /** Empty when the send was admitted (and counted), else the rule that blocks it. */
    public static Optional<String> verdict(String answer) {
        String verdict = answer == null ? "OK" : answer;
        return "OK".equals(verdict) ? Optional.empty() : Optional.of(verdict);
    }
}
