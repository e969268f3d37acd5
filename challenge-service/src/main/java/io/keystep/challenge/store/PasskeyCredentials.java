package io.keystep.challenge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Users' passkeys: the factor row (auth_factor, kind PASSKEY) and its credential (passkey_credential), written in one
 * transaction. The sign count moves only forward, by a conditional UPDATE, so that two assertions racing with one
 * count cannot both pass.
 */
@ApplicationScoped
public class PasskeyCredentials {

    /**
     * A stored credential.
     *
     * @param factorId      the factor it is
     * @param userId        whose
     * @param label         the name the user gave it
     * @param credentialId  as the authenticator chose it
     * @param userHandle    the user handle it was created for
     * @param attestedData  its attested credential data (AAGUID, id, COSE public key), as sent at registration
     * @param signCount     the last sign count accepted
     * @param transports    how the browser reaches it
     * @param uvInitialized whether it verified the user at registration
     * @param backupEligible whether it can be synced
     * @param backedUp      whether it was backed up at its last use
     * @param attestationFormat the registration's attestation format
     * @param aaguid        the authenticator model
     * @param createdAt     when registered
     * @param lastUsedAt    when last used, or null
     * @param cloneSuspectedAt when a sign count that did not move forward was seen, or null
     */
    public record Stored(UUID factorId, String userId, String label, byte[] credentialId, byte[] userHandle,
                         byte[] attestedData, long signCount, List<String> transports, boolean uvInitialized,
                         boolean backupEligible, boolean backedUp, String attestationFormat, UUID aaguid,
                         Instant createdAt, Instant lastUsedAt, Instant cloneSuspectedAt) {
    }

    /** Whether a credential was stored, or its id is registered already. */
    public enum Insert { STORED, DUPLICATE }

    private static final String COLUMNS = "SELECT c.factor_id, c.user_id, f.label, c.credential_id, c.user_handle,"
            + " c.attested_data, c.sign_count, c.transports, c.uv_initialized, c.backup_eligible, c.backed_up,"
            + " c.attestation_fmt, c.aaguid, f.created_at, f.last_used_at, c.clone_suspected_at"
            + " FROM passkey_credential c JOIN auth_factor f ON f.id = c.factor_id";
    private static final String INSERT_FACTOR = "INSERT INTO auth_factor (id, tenant_id, user_id, kind, label, status,"
            + " preferred, drift_steps, created_at, activated_at) VALUES ($1, $2, $3, 'PASSKEY', $4, 'ACTIVE', false, 0,"
            + " $5, $5)";
    private static final String INSERT_CREDENTIAL = "INSERT INTO passkey_credential (factor_id, tenant_id, user_id,"
            + " credential_id, user_handle, attested_data, aaguid, sign_count, transports, uv_initialized,"
            + " backup_eligible, backed_up, attestation_fmt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
            + " $13)";
    /** PostgreSQL's unique_violation. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final Pool pool;

    public PasskeyCredentials(Pool pool) {
        this.pool = pool;
    }

    /** Stores a new active passkey of the user. */
    public Uni<Insert> insert(String tenantId, Stored c) {
        OffsetDateTime at = c.createdAt().atOffset(ZoneOffset.UTC);
        return pool.withTransaction(conn -> conn.preparedQuery(INSERT_FACTOR)
                        .execute(Tuple.of(c.factorId(), tenantId, c.userId(), c.label(), at))
                        .chain(() -> conn.preparedQuery(INSERT_CREDENTIAL).execute(Tuple.tuple(List.of(c.factorId(),
                                tenantId, c.userId(), Buffer.buffer(c.credentialId()), Buffer.buffer(c.userHandle()),
                                Buffer.buffer(c.attestedData()), c.aaguid(), c.signCount(),
                                String.join(",", c.transports()), c.uvInitialized(), c.backupEligible(), c.backedUp(),
                                c.attestationFormat())))))
                .replaceWith(Insert.STORED)
                .onFailure(e -> e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState()))
                .recoverWithItem(Insert.DUPLICATE);
    }

    /** The user's passkeys, the oldest first. */
    public Uni<List<Stored>> ofUser(String tenantId, String userId) {
        return pool.preparedQuery(COLUMNS + " WHERE c.tenant_id = $1 AND c.user_id = $2 AND f.status = 'ACTIVE'"
                        + " ORDER BY f.created_at").execute(Tuple.of(tenantId, userId))
                .map(rows -> {
                    List<Stored> out = new ArrayList<>();
                    rows.forEach(r -> out.add(stored(r)));
                    return out;
                });
    }

    /** The tenant's credential with this id, whoever's it is. */
    public Uni<Optional<Stored>> byCredentialId(String tenantId, byte[] credentialId) {
        return pool.preparedQuery(COLUMNS + " WHERE c.tenant_id = $1 AND c.credential_id = $2 AND f.status = 'ACTIVE'")
                .execute(Tuple.of(tenantId, Buffer.buffer(credentialId)))
                .map(rows -> {
                    var it = rows.iterator();
                    return it.hasNext() ? Optional.of(stored(it.next())) : Optional.<Stored>empty();
                });
    }

    /**
     * Records a use: the sign count moves from {@code expected} to {@code next} only if no other use moved it
     * meanwhile. True when this use won.
     */
    public Uni<Boolean> recordUse(String tenantId, UUID factorId, long expected, long next, boolean backedUp,
                                  Instant now) {
        return pool.withTransaction(conn -> conn.preparedQuery("UPDATE passkey_credential SET sign_count = $3,"
                                + " backed_up = $4 WHERE factor_id = $1 AND tenant_id = $2 AND sign_count = $5")
                        .execute(Tuple.of(factorId, tenantId, next, backedUp, expected))
                        .flatMap(updated -> updated.rowCount() != 1 ? Uni.createFrom().item(false)
                                : conn.preparedQuery("UPDATE auth_factor SET last_used_at = $3 WHERE id = $1"
                                        + " AND tenant_id = $2").execute(Tuple.of(factorId, tenantId,
                                        now.atOffset(ZoneOffset.UTC))).replaceWith(true)));
    }

    /** Marks a credential whose sign count went backwards or stood still: a clone is suspected. */
    public Uni<Void> flagClone(String tenantId, UUID factorId, Instant now) {
        return pool.preparedQuery("UPDATE passkey_credential SET clone_suspected_at = COALESCE(clone_suspected_at, $3)"
                        + " WHERE factor_id = $1 AND tenant_id = $2")
                .execute(Tuple.of(factorId, tenantId, now.atOffset(ZoneOffset.UTC))).replaceWithVoid();
    }

    private static Stored stored(Row r) {
        String transports = r.getString("transports");
        return new Stored(r.getUUID("factor_id"), r.getString("user_id"), r.getString("label"),
                r.getBuffer("credential_id").getBytes(), r.getBuffer("user_handle").getBytes(),
                r.getBuffer("attested_data").getBytes(), r.getLong("sign_count"),
                transports == null || transports.isEmpty() ? List.of() : Arrays.asList(transports.split(",")),
                r.getBoolean("uv_initialized"), r.getBoolean("backup_eligible"), r.getBoolean("backed_up"),
                r.getString("attestation_fmt"), r.getUUID("aaguid"), instant(r.getOffsetDateTime("created_at")),
                instant(r.getOffsetDateTime("last_used_at")), instant(r.getOffsetDateTime("clone_suspected_at")));
    }

    private static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }
}
