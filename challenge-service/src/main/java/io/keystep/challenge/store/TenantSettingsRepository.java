package io.keystep.challenge.store;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.config.VerifyConfig;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.events.Channel;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads and writes tenants' Verify defaults (PostgreSQL), merged over the platform's. */
@ApplicationScoped
public class TenantSettingsRepository {

    private final ChallengeConfig challengeConfig;
    private final VerifyConfig verifyConfig;

    private final ObjectMapper mapper;

    public TenantSettingsRepository(ChallengeConfig challengeConfig, VerifyConfig verifyConfig, ObjectMapper mapper) {
        this.mapper = mapper;
        this.challengeConfig = challengeConfig;
        this.verifyConfig = verifyConfig;
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

    /** The settings in force for the tenant. Opens its own session: Kafka consumers call it too. */
    public Uni<TenantSettings> settingsOf(String tenantId) {
        return Panache.withSession(() -> TenantVerifySettings.<TenantVerifySettings>findById(tenantId))
                .map(this::merge);
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
                .flatMap(before -> settingsOf(tenantId).map(s -> new Replaced(s, before, after)));
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
