package io.keystep.risk.store;

import io.keystep.events.Topics;
import io.keystep.kit.store.RedisScript;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.GeoPoint;
import io.keystep.risk.domain.IpAddresses;
import io.keystep.risk.domain.PreviousLogin;
import io.keystep.risk.domain.RiskSettingsPolicy;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The per-user risk profile in Redis. Every user key carries the hash tag {@code {tenant:user}} so that one user's
 * keys share a Redis Cluster slot. Device fingerprints are stored only as SHA-256 hex. Each key expires after its
 * signal's window, so a profile that is no longer used disappears by itself. What is known of the user's devices is
 * {@link DeviceMemory}'s.
 */
@ApplicationScoped
public class RiskProfileStore {

    private final ReactiveHashCommands<String, String, String> hashes;
    private final ReactiveSortedSetCommands<String, String> sortedSets;
    private final ReactiveValueCommands<String, String> values;
    private final ReactiveKeyCommands<String> keys;
    private final RiskConfig config;
    private final ReactiveRedisDataSource redis;

    public RiskProfileStore(ReactiveRedisDataSource redis, RiskConfig config) {
        this.redis = redis;
        this.hashes = redis.hash(String.class, String.class, String.class);
        this.sortedSets = redis.sortedSet(String.class);
        this.values = redis.value(String.class);
        this.keys = redis.key();
        this.config = config;
    }

    /** The key prefix of one user's state: {@code risk:{tenant:user}:}. */
    public static String userPrefix(String tenantId, String userId) {
        return "risk:{" + Topics.key(tenantId, userId) + "}:";
    }

    /** SHA-256 hex of a device fingerprint: the raw fingerprint is never stored. */
    public static String fingerprintHash(String fingerprint) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(fingerprint.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /**
     * Everything a login's decision reads from the user's keys, in one script (one round trip, one slot): the
     * decision already remembered for this login, if any (then nothing else is read), the device, country and
     * hour last seen, the failures within the window, the last located login and the user's reports of a sign-in
     * as not theirs within the tenant's window.
     */
    private static final RedisScript READ = RedisScript.load(RiskProfileStore.class, "read-login.lua");

    /** The user's reports of a sign-in as not theirs: a sorted set of challenge ids scored by the report's time. */
    private static final String REPORTED_FRAUD = "reported-fraud";

    /** What a login's decision reads: the decision remembered for it (then no profile), or the user's profile. */
    public record LoginRead(String rememberedDecision, UserRiskProfile profile) {
    }

    /**
     * Reads the decision remembered for this login and, when there is none, everything its score needs: the
     * user's keys by one script, the IP's failures (another slot) beside it. Reports of fraud count within
     * {@code reportedWindow}, the tenant's.
     */
    public Uni<LoginRead> read(String tenantId, String userId, String loginId, String deviceFingerprint, String ip,
                               Optional<String> country, int hourOfWeek, Instant now, Duration reportedWindow) {
        String p = userPrefix(tenantId, userId);
        Uni<io.vertx.mutiny.redis.client.Response> user = READ.run(redis, "7",
                decisionKey(tenantId, userId, loginId), p + "devices", p + "countries", p + "hours", p + "failures",
                p + "last-location", p + REPORTED_FRAUD, fingerprintHash(deviceFingerprint), country.orElse(""),
                Integer.toString(hourOfWeek), Long.toString((long) since(now, config.failures().userWindow())),
                Long.toString((long) since(now, reportedWindow)));
        // Text that is not an IP ("unknown") is no one address: counting it would lump unrelated logins together.
        Uni<Long> ipFailures = IpAddresses.parse(ip).isEmpty() ? Uni.createFrom().item(0L)
                : sortedSets.zcount(ipFailureKey(tenantId, ip),
                        new ScoreRange<>(since(now, config.failures().ipWindow()), Double.POSITIVE_INFINITY));
        return Uni.combine().all().unis(user, ipFailures).with((r, ipf) -> {
            if (r.get(0) != null) {
                return new LoginRead(r.get(0).toString(), null);
            }
            return new LoginRead(null, new UserRiskProfile(instant(text(r.get(1))), instant(text(r.get(2))),
                    instant(text(r.get(3))), r.get(4) == null ? 0 : r.get(4).toLong(), ipf == null ? 0 : ipf,
                    previous(text(r.get(5))), r.get(6) == null ? 0 : r.get(6).toLong()));
        });
    }

    private static String text(io.vertx.mutiny.redis.client.Response value) {
        return value == null ? null : value.toString();
    }

    /** Records a failed password for the user and for the IP; the login id makes a redelivery count once. */
    public Uni<Void> recordFailure(String tenantId, String userId, String loginId, String ip, Instant now) {
        String userKey = userPrefix(tenantId, userId) + "failures";
        String ipKey = ipFailureKey(tenantId, ip);
        Duration userWindow = config.failures().userWindow();
        Duration ipWindow = config.failures().ipWindow();
        Uni<Void> user = trimmedWindow(userKey, loginId, now, userWindow);
        if (IpAddresses.parse(ip).isEmpty()) {
            return user;
        }
        Uni<Void> address = trimmedWindow(ipKey, userId + ":" + loginId, now, ipWindow);
        return Uni.combine().all().unis(user, address).discardItems();
    }

    /**
     * Records that the user denied challenge {@code challengeId} as not theirs at {@code at}. One entry per
     * challenge, so a redelivered report counts once; reports are kept as long as the longest window a tenant may
     * set.
     */
    public Uni<Void> recordFraudReport(String tenantId, String userId, String challengeId, Instant at) {
        return trimmedWindow(userPrefix(tenantId, userId) + REPORTED_FRAUD, challengeId, at,
                Duration.ofDays(RiskSettingsPolicy.REPORTED_FRAUD_WINDOW.max()));
    }

    /**
     * Adds a timestamped member, then sets the expiry and drops what left the window. In that order: the pool may
     * run commands on different connections, and an expiry sent before the key exists would be lost.
     */
    private Uni<Void> trimmedWindow(String key, String member, Instant now, Duration window) {
        return sortedSets.zadd(key, now.toEpochMilli(), member)
                .chain(() -> keys.pexpire(key, window))
                .chain(() -> sortedSets.zremrangebyscore(key, new ScoreRange<>(Double.NEGATIVE_INFINITY,
                        since(now, window) - 1)))
                .replaceWithVoid();
    }

    /**
     * Sets a field of each hash and its expiry in one script: (field, value, milliseconds to live) per key, so that
     * one call does what would be two round trips per hash, and no hash is ever left without its expiry.
     */
    private static final RedisScript HSET_EXPIRING = RedisScript.load(RiskProfileStore.class,
            "set-expiring-fields.lua");

    /** One hash field to set and the expiry of its hash. */
    record Field(String key, String field, String value, Duration ttl) {
    }

    /** Sets the fields (keys of one user's slot) and their hashes' expiries in one round trip. */
    Uni<Void> setExpiring(Field... fields) {
        String[] args = new String[1 + fields.length * 4];
        args[0] = Integer.toString(fields.length);
        for (int i = 0; i < fields.length; i++) {
            args[1 + i] = fields[i].key();
            int a = 1 + fields.length + i * 3;
            args[a] = fields[i].field();
            args[a + 1] = fields[i].value();
            args[a + 2] = Long.toString(fields[i].ttl().toMillis());
        }
        return HSET_EXPIRING.run(redis, args).replaceWithVoid();
    }

    /** The user logged in from this country at this hour of the week: both become familiar. */
    public Uni<Void> familiar(String tenantId, String userId, Optional<String> country, int hourOfWeek,
                              Instant now) {
        String p = userPrefix(tenantId, userId);
        String at = Long.toString(now.toEpochMilli());
        Field hour = new Field(p + "hours", Integer.toString(hourOfWeek), at, config.hourWindow());
        return country.map(c -> setExpiring(hour, new Field(p + "countries", c, at, config.countryWindow())))
                .orElseGet(() -> setExpiring(hour));
    }

    /** Where the user's latest located login was, for the next login's travel speed. */
    public Uni<Void> lastLocation(String tenantId, String userId, GeoPoint point, Instant now) {
        String value = point.latitude() + "," + point.longitude() + "," + now.toEpochMilli();
        // After a day any distance on Earth is possible at 900 km/h, so older places are useless.
        return values.set(userPrefix(tenantId, userId) + "last-location", value,
                new SetArgs().px(Duration.ofDays(1)));
    }

    /**
     * Keeps a challenged login's country and hour until its verification: an approved challenge makes them
     * familiar, an abandoned one leaves no trace.
     */
    public Uni<Void> rememberPending(String tenantId, String userId, String loginId, Optional<String> country,
                                     int hourOfWeek) {
        String key = userPrefix(tenantId, userId) + "pending:" + loginId;
        Field hour = new Field(key, "hour", Integer.toString(hourOfWeek), Duration.ofHours(1));
        return country.map(c -> setExpiring(hour, new Field(key, "country", c, Duration.ofHours(1))))
                .orElseGet(() -> setExpiring(hour));
    }

    /** Takes (reads and deletes) a challenged login's pending country and hour. */
    public Uni<Map<String, String>> takePending(String tenantId, String userId, String loginId) {
        String key = userPrefix(tenantId, userId) + "pending:" + loginId;
        return hashes.hgetall(key).call(fields -> fields.isEmpty() ? Uni.createFrom().voidItem() : keys.del(key));
    }

    /**
     * Remembers a login's published assessment unless one is already remembered; answers the one that stands,
     * so that a redelivered login is answered with the very same event.
     */
    public Uni<String> rememberDecision(String tenantId, String userId, String loginId, String assessment) {
        String key = decisionKey(tenantId, userId, loginId);
        // SET NX PX in one command, so a remembered decision always expires; a null reply means one stood already.
        return redis.execute("SET", key, assessment, "NX", "PX", Long.toString(config.decisionMemory().toMillis()))
                .chain(reply -> reply != null ? Uni.createFrom().item(assessment)
                        : values.get(key).map(standing -> standing == null ? assessment : standing));
    }

    private static String decisionKey(String tenantId, String userId, String loginId) {
        return userPrefix(tenantId, userId) + "login:" + loginId;
    }

    private static String ipFailureKey(String tenantId, String ip) {
        return "risk:{ip:" + tenantId + ":" + IpAddresses.canonical(ip) + "}:failures";
    }

    private static double since(Instant now, Duration window) {
        return now.toEpochMilli() - window.toMillis();
    }

    private static Instant instant(String epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(Long.parseLong(epochMillis));
    }

    private static PreviousLogin previous(String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.split(",");
        return new PreviousLogin(new GeoPoint(Double.parseDouble(parts[0]), Double.parseDouble(parts[1])),
                Instant.ofEpochMilli(Long.parseLong(parts[2])));
    }
}
