package io.keystep.challenge.store;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.config.VerifyConfig;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.events.Channel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads and writes tenants' Verify defaults (PostgreSQL), merged over the platform's. Every check and login needs
 * them, so they are kept in memory for {@code keystep.verify.settings-cache-ttl}: a save replaces the tenant's
 * entry at once, and while PostgreSQL is unreachable the settings last read stay in force (a tenant never read
 * since start-up still fails: nothing is assumed).
 */
@ApplicationScoped
public class TenantSettingsRepository {

    private static final Logger LOG = Logger.getLogger(TenantSettingsRepository.class);
    /** Tenants kept in memory at most; beyond it an arbitrary entry makes room (it is read again when needed). */
    private static final int MAX_CACHED = 10_000;

    private final ChallengeConfig challengeConfig;
    private final VerifyConfig verifyConfig;

    private final ObjectMapper mapper;

    private final long ttlNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Tenants whose expired entry one caller is reading again; the others use the entry meanwhile. */
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    /** Counts saves: a read that started before a save must not put its older result in the cache. */
    private final AtomicLong saves = new AtomicLong();
    private final Counter staleReads;

    private record Cached(TenantSettings settings, long freshUntilNanos) {
    }

    public TenantSettingsRepository(ChallengeConfig challengeConfig, VerifyConfig verifyConfig, ObjectMapper mapper,
                                    MeterRegistry registry) {
        this.mapper = mapper;
        this.challengeConfig = challengeConfig;
        this.verifyConfig = verifyConfig;
        this.ttlNanos = verifyConfig.settingsCacheTtl().toNanos();
        this.staleReads = Counter.builder("keystep.tenant.settings.stale")
                .description("Checks and logins that used a tenant's settings from memory because PostgreSQL did "
                        + "not answer")
                .register(registry);
    }

    /** The platform's defaults, from configuration. */
    public TenantSettings platformDefaults() {
        return new TenantSettings(challengeConfig.codeLength(), challengeConfig.codeTtl(),
                challengeConfig.maxAttempts(), StoredChallenge.channels(verifyConfig.autoChannels().replace(" ", "")),
                platformLimits());
    }

    private Map<String, Integer> platformLimits() {
        VerifyConfig c = verifyConfig;
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("destinationCooldownSeconds", (int) c.destinationCooldown().toSeconds());
        m.put("destinationWindowSeconds", (int) c.destinationWindow().toSeconds());
        m.put("destinationMaxSends", c.destinationMaxSends());
        m.put("ipWindowSeconds", (int) c.ipWindow().toSeconds());
        m.put("ipMaxSends", c.ipMaxSends());
        m.put("tenantWindowSeconds", (int) c.tenantWindow().toSeconds());
        m.put("tenantMaxSends", c.tenantMaxSends());
        m.put("failureWindowSeconds", (int) c.failureWindow().toSeconds());
        m.put("failuresToLock", c.failuresToLock());
        m.put("firstLockoutSeconds", (int) c.firstLockout().toSeconds());
        m.put("maxLockoutSeconds", (int) c.maxLockout().toSeconds());
        m.put("failuresToSuspend", c.failuresToSuspend());
        m.put("minCodeLength", c.minCodeLength());
        return m;
    }

    private Map<String, Integer> overrides(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return mapper.readValue(json, new TypeReference<Map<String, Integer>>() {
            });
        } catch (Exception e) {
            throw new IllegalStateException("unreadable tenant limits", e);
        }
    }

    /**
     * The settings in force for the tenant, from memory while they are fresh (see the class comment). Opens its
     * own session when it reads PostgreSQL: Kafka consumers call it too.
     */
    public Uni<TenantSettings> settingsOf(String tenantId) {
        Cached cached = cache.get(tenantId);
        if (cached != null && System.nanoTime() - cached.freshUntilNanos() < 0) {
            return Uni.createFrom().item(cached.settings());
        }
        return Uni.createFrom().deferred(() -> refresh(tenantId));
    }

    private Uni<TenantSettings> refresh(String tenantId) {
        Cached cached = cache.get(tenantId);
        if (cached == null) {
            return load(tenantId);
        }
        if (System.nanoTime() - cached.freshUntilNanos() < 0 || !refreshing.add(tenantId)) {
            return Uni.createFrom().item(cached.settings());
        }
        return load(tenantId)
                .onFailure().recoverWithItem(failure -> {
                    // Retried after another TTL, so that an outage does not make every check wait for it.
                    cache.replace(tenantId, cached, new Cached(cached.settings(), System.nanoTime() + ttlNanos));
                    staleReads.increment();
                    LOG.warnf("tenant %s: PostgreSQL unreachable (%s); its settings read earlier stay in force",
                            tenantId, failure.toString());
                    return cached.settings();
                })
                .onTermination().invoke(() -> refreshing.remove(tenantId));
    }

    /** Reads the tenant's settings from PostgreSQL and keeps them, unless a save overtook the read. */
    private Uni<TenantSettings> load(String tenantId) {
        long savesBefore = saves.get();
        return Panache.withSession(() -> TenantVerifySettings.<TenantVerifySettings>findById(tenantId))
                .map(this::merge)
                .invoke(settings -> {
                    if (saves.get() == savesBefore) {
                        if (cache.size() >= MAX_CACHED && !cache.containsKey(tenantId)) {
                            cache.keySet().stream().findAny().ifPresent(cache::remove);
                        }
                        cache.put(tenantId, new Cached(settings, System.nanoTime() + ttlNanos));
                    }
                });
    }

    private TenantSettings merge(TenantVerifySettings row) {
        TenantSettings d = platformDefaults();
        if (row == null) {
            return d;
        }
        return new TenantSettings(row.codeLength != null ? row.codeLength : d.codeLength(),
                row.expirySeconds != null ? Duration.ofSeconds(row.expirySeconds) : d.codeTtl(),
                row.maxAttempts != null ? row.maxAttempts : d.maxAttempts(),
                row.autoChannels != null ? StoredChallenge.channels(row.autoChannels) : d.autoChannels(),
                mergeLimits(d.limits(), overrides(row.limits)),
                row.allowedCountries != null ? List.of(row.allowedCountries.split(",")) : d.allowedCountries());
    }

    private static Map<String, Integer> mergeLimits(Map<String, Integer> defaults, Map<String, Integer> overrides) {
        Map<String, Integer> m = new LinkedHashMap<>(defaults);
        overrides.forEach((k, v) -> {
            if (m.containsKey(k) && v != null) {
                m.put(k, v);
            }
        });
        return m;
    }

    /**
     * A replacement of a tenant's overrides.
     *
     * @param settings the settings in force afterwards
     * @param before   every overridable field with the tenant's override before, as text (null = the default)
     * @param after    the same, afterwards
     */
    public record Replaced(TenantSettings settings, Map<String, String> before, Map<String, String> after) {
    }

    /**
     * Replaces the tenant's overrides (null = platform default) and answers the settings now in force with the
     * overrides before and after. {@code beforeCommit} runs inside the transaction once both are known (the
     * trail is told before the change is committed: a failure to tell it leaves the settings as they were);
     * replacements of one tenant are serialised so that each one's "before" is exact.
     */
    public Uni<Replaced> save(String tenantId, Integer codeLength, Integer expirySeconds, Integer maxAttempts,
                              List<Channel> autoChannels, Map<String, Integer> limits, List<String> allowedCountries,
                              Instant now, java.util.function.Function<Replaced, Uni<Void>> beforeCommit) {
        String limitsJson;
        try {
            limitsJson = limits == null || limits.isEmpty() ? null : mapper.writeValueAsString(limits);
        } catch (Exception e) {
            return Uni.createFrom().failure(e);
        }
        String channels = autoChannels == null ? null : String.join(",", autoChannels.stream().map(Enum::name).toList());
        String countries = allowedCountries == null ? null : String.join(",", allowedCountries);
        Map<String, String> after = overrideTexts(codeLength, expirySeconds, maxAttempts, channels, limitsJson, countries);
        return Panache.withTransaction(() -> Panache.getSession().flatMap(session -> session.createNativeQuery(
                                "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(hashtext(:tenant))) AS serialised",
                                Long.class)
                        .setParameter("tenant", "tenant_verify_settings:" + tenantId).getSingleResult()
                        .chain(() -> session.createNativeQuery("""
                                SELECT code_length, expiry_seconds, max_attempts, auto_channels, limits, allowed_countries
                                FROM tenant_verify_settings WHERE tenant_id = :tenant
                                """, Object[].class).setParameter("tenant", tenantId).getResultList())
                        .flatMap(rows -> {
                            Object[] r = rows.isEmpty() ? new Object[6] : rows.get(0);
                            Map<String, String> before = overrideTexts((Integer) r[0], (Integer) r[1], (Integer) r[2],
                                    (String) r[3], (String) r[4], (String) r[5]);
                            // One statement, so that two concurrent updates of one tenant cannot collide on the key.
                            return session.createNativeQuery("""
                                    INSERT INTO tenant_verify_settings
                                        (tenant_id, code_length, expiry_seconds, max_attempts, auto_channels, limits,
                                         allowed_countries, updated_at)
                                    VALUES (:tenant, CAST(:len AS INTEGER), CAST(:expiry AS INTEGER), CAST(:max AS INTEGER),
                                            CAST(:channels AS VARCHAR), CAST(:limits AS TEXT), CAST(:countries AS VARCHAR), :now)
                                    ON CONFLICT (tenant_id) DO UPDATE SET code_length = EXCLUDED.code_length,
                                        expiry_seconds = EXCLUDED.expiry_seconds, max_attempts = EXCLUDED.max_attempts,
                                        auto_channels = EXCLUDED.auto_channels, limits = EXCLUDED.limits,
                                        allowed_countries = EXCLUDED.allowed_countries, updated_at = EXCLUDED.updated_at
                                    """)
                                    .setParameter("tenant", tenantId)
                                    .setParameter("len", codeLength)
                                    .setParameter("expiry", expirySeconds)
                                    .setParameter("max", maxAttempts)
                                    .setParameter("channels", channels)
                                    .setParameter("limits", limitsJson)
                                    .setParameter("countries", countries)
                                    .setParameter("now", now)
                                    .executeUpdate()
                                    .chain(() -> beforeCommit.apply(new Replaced(null, before, after)))
                                    .replaceWith(before);
                        })))
                .invoke(() -> {
                    saves.incrementAndGet();
                    cache.remove(tenantId);
                })
                .flatMap(before -> load(tenantId).map(s -> new Replaced(s, before, after)));
    }

    /** Every overridable field, by its API name, with the override as text (null = the platform default). */
    private Map<String, String> overrideTexts(Integer codeLength, Integer expirySeconds, Integer maxAttempts,
                                              String channels, String limitsJson, String countries) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("codeLength", codeLength == null ? null : codeLength.toString());
        m.put("expirySeconds", expirySeconds == null ? null : expirySeconds.toString());
        m.put("maxAttempts", maxAttempts == null ? null : maxAttempts.toString());
        m.put("autoChannels", channels == null ? null : channels.toLowerCase(java.util.Locale.ROOT));
        Map<String, Integer> limits = overrides(limitsJson);
        TenantSettings.LIMITS.forEach(b -> m.put(b.field(),
                limits.get(b.field()) == null ? null : limits.get(b.field()).toString()));
        m.put("allowedCountries", countries);
        return m;
    }
}
