package io.keystep.kit.formats;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwa.AlgorithmConstraints.ConstraintType;
import org.jose4j.jwe.ContentEncryptionAlgorithmIdentifiers;
import org.jose4j.jwe.JsonWebEncryption;
import org.jose4j.jwe.KeyManagementAlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.JoseException;

import javax.crypto.SecretKey;
import java.util.Optional;

/**
 * The seal on what challenge-service hands to delivery workers and nobody else may read: a delivery job's code
 * ({@code challenge.issued.v1} {@code sealedCode}, bound to its challenge) and a factor-change notice's destinations
 * (header {@code keystep-notice-to} of {@code factor.changed.v1}, bound to its event).
 *
 * <p>Form: JWE compact serialisation, {@code alg=dir}, {@code enc=A256GCM}, {@code kid} = the sealing key's id; the
 * encrypted claims are {@code tid} (tenant), {@code sub} (the challenge or event the value belongs to) and
 * {@code val} (the value). Opening checks {@code tid} and {@code sub}, so that a sealed value copied onto another
 * tenant's or challenge's record does not open. jose4j is used directly because smallrye-jwt's parser insists on an
 * expiry and a principal name and takes one key, where this format has neither and picks the key by {@code kid}.
 *
 * <p>Thread-safe; one instance per service, built from {@link SealingKeys}.
 */
public final class DeliverySeal {

    static final String TENANT = "tid";
    static final String SUBJECT = "sub";
    static final String VALUE = "val";

    private static final AlgorithmConstraints DIRECT_ONLY =
            new AlgorithmConstraints(ConstraintType.PERMIT, KeyManagementAlgorithmIdentifiers.DIRECT);
    private static final AlgorithmConstraints A256GCM_ONLY =
            new AlgorithmConstraints(ConstraintType.PERMIT, ContentEncryptionAlgorithmIdentifiers.AES_256_GCM);

    private final SealingKeys keys;

    public DeliverySeal(SealingKeys keys) {
        this.keys = keys;
    }

    /** {@code value} sealed under the active key for {@code tenantId}'s challenge or event {@code subjectId}. */
    public String seal(String tenantId, String subjectId, String value) {
        JwtClaims claims = new JwtClaims();
        claims.setStringClaim(TENANT, tenantId);
        claims.setStringClaim(SUBJECT, subjectId);
        claims.setStringClaim(VALUE, value);
        JsonWebEncryption jwe = new JsonWebEncryption();
        jwe.setAlgorithmHeaderValue(KeyManagementAlgorithmIdentifiers.DIRECT);
        jwe.setEncryptionMethodHeaderParameter(ContentEncryptionAlgorithmIdentifiers.AES_256_GCM);
        jwe.setKeyIdHeaderValue(keys.activeId());
        jwe.setKey(keys.active());
        jwe.setPayload(claims.toJson());
        try {
            return jwe.getCompactSerialization();
        } catch (JoseException e) {
            // AES-256-GCM is mandatory in every JDK; reaching this means a broken runtime, not a bad value.
            throw new IllegalStateException("AES-256-GCM unavailable", e);
        }
    }

    /**
     * The value, or empty when the sealed string is malformed, names an unknown key, was altered, or was sealed for
     * another tenant or subject. The reason is deliberately not told apart: the job is failed either way.
     */
    public Optional<String> open(String sealed, String tenantId, String subjectId) {
        if (sealed == null || sealed.isBlank()) {
            return Optional.empty();
        }
        if (sealed.startsWith(SealedV1.PREFIX)) {
            return SealedV1.open(sealed, tenantId, subjectId, keys);
        }
        try {
            JsonWebEncryption jwe = new JsonWebEncryption();
            jwe.setAlgorithmConstraints(DIRECT_ONLY);
            jwe.setContentEncryptionAlgorithmConstraints(A256GCM_ONLY);
            jwe.setCompactSerialization(sealed);
            Optional<SecretKey> key = keys.byId(jwe.getKeyIdHeaderValue());
            if (key.isEmpty()) {
                return Optional.empty();
            }
            jwe.setKey(key.get());
            JwtClaims claims = JwtClaims.parse(jwe.getPayload());
            if (!tenantId.equals(claims.getStringClaimValue(TENANT))
                    || !subjectId.equals(claims.getStringClaimValue(SUBJECT))) {
                return Optional.empty();
            }
            return Optional.ofNullable(claims.getStringClaimValue(VALUE));
        } catch (JoseException | InvalidJwtException | MalformedClaimException | RuntimeException e) {
            // Not our format, a wrong tag or a claim of the wrong type: it does not open.
            return Optional.empty();
        }
    }
}
