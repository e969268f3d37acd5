package io.keystep.challenge.store;

import io.keystep.challenge.config.VerifyConfig;
import io.keystep.challenge.domain.PasskeyPolicy;
import io.keystep.kit.settings.TenantSettingsCache;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Each tenant's passkey relying party (PostgreSQL), kept in memory for {@code keystep.verify.settings-cache-ttl} like
 * the Verify settings: every login on a passkey reads it. A tenant without a row has passkeys off.
 */
@ApplicationScoped
public class PasskeySettingsRepository {

    private static final String SELECT = "SELECT rp_id, rp_name, origins, user_verification, attestation,"
            + " trust_anchors, allow_synced, aaguid_allow, aaguid_deny, sign_count_policy, updated_by, updated_at"
            + " FROM tenant_passkey_settings WHERE tenant_id = $1";
    private static final String UPSERT = "INSERT INTO tenant_passkey_settings (tenant_id, rp_id, rp_name, origins,"
            + " user_verification, attestation, trust_anchors, allow_synced, aaguid_allow, aaguid_deny,"
            + " sign_count_policy, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            + " ON CONFLICT (tenant_id) DO UPDATE SET rp_id = $2, rp_name = $3, origins = $4, user_verification = $5,"
            + " attestation = $6, trust_anchors = $7, allow_synced = $8, aaguid_allow = $9, aaguid_deny = $10,"
            + " sign_count_policy = $11, updated_by = $12, updated_at = $13";
    /** Trust anchors are stored as one PEM text; this separates them again. */
    private static final String PEM_END = "-----END CERTIFICATE-----";

    private final Pool pool;
    private final TenantSettingsCache cache;

    public PasskeySettingsRepository(Pool pool, VerifyConfig config, @CacheName("passkey-settings") Cache cache) {
        this.pool = pool;
        this.cache = TenantSettingsCache.of(cache, config.settingsCacheTtl());
    }

    /** The tenant's relying party; empty when the tenant has not set one up. */
    public Uni<Optional<PasskeyPolicy>> policyOf(String tenantId) {
        return cache.get(tenantId, this::read);
    }

    private Uni<Optional<PasskeyPolicy>> read(String tenantId) {
        return pool.preparedQuery(SELECT).execute(Tuple.of(tenantId)).map(rows -> {
            var it = rows.iterator();
            return it.hasNext() ? Optional.of(toPolicy(it.next())) : Optional.<PasskeyPolicy>empty();
        });
    }

    public Uni<Void> save(String tenantId, PasskeyPolicy p) {
        Tuple values = Tuple.tuple(List.of(tenantId, p.rpId(), p.rpName(), String.join("\n", p.origins()),
                p.userVerification(), p.attestation(), String.join("\n", p.trustAnchors()), p.allowSynced(),
                joined(p.aaguidAllow()), joined(p.aaguidDeny()), p.signCountPolicy(), p.updatedBy(),
                p.updatedAt().atOffset(ZoneOffset.UTC)));
        return pool.preparedQuery(UPSERT).execute(values).replaceWithVoid()
                .onTermination().call(() -> cache.forget(tenantId));
    }

    private static PasskeyPolicy toPolicy(Row r) {
        return new PasskeyPolicy(r.getString("rp_id"), r.getString("rp_name"), lines(r.getString("origins")),
                r.getString("user_verification"), r.getString("attestation"), pems(r.getString("trust_anchors")),
                r.getBoolean("allow_synced"), lines(r.getString("aaguid_allow")).stream().map(UUID::fromString).toList(),
                lines(r.getString("aaguid_deny")).stream().map(UUID::fromString).toList(),
                r.getString("sign_count_policy"), r.getString("updated_by"),
                r.getOffsetDateTime("updated_at").toInstant());
    }

    private static String joined(List<UUID> ids) {
        return String.join("\n", ids.stream().map(UUID::toString).toList());
    }

    private static List<String> lines(String text) {
        return text == null ? List.of() : Arrays.stream(text.split("\n")).map(String::trim).filter(s -> !s.isEmpty())
                .toList();
    }

    private static List<String> pems(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.split(PEM_END)).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s + "\n" + PEM_END).toList();
    }
}
