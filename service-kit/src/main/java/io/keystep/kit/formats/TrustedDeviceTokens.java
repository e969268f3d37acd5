package io.keystep.kit.formats;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwa.AlgorithmConstraints.ConstraintType;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.JoseException;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The trusted-device token: challenge-service signs it after an approved login challenge ({@link Signer}),
 * risk-service judges it with the public key alone ({@link #check}). Form: JWS compact serialisation,
 * {@code alg=EdDSA} (Ed25519), claims {@code tid} (tenant), {@code sub} (user), {@code fph} (SHA-256 hex, lower
 * case, of the device fingerprint's UTF-8), {@code did} (device id), {@code iat} (when issued, so that every token of
 * a user issued before a moment can be revoked at once) and {@code exp}. jose4j is used directly because
 * smallrye-jwt's parser answers one failure for all, where the verdict must tell expired from forged from foreign.
 * Pure and thread-safe; a token is only ever judged, never an error.
 */
public final class TrustedDeviceTokens {

    static final String TENANT = "tid";
    static final String FINGERPRINT = "fph";
    static final String DEVICE = "did";

    /** Far above any real token; a longer string is not decoded at all. */
    private static final int MAX_LENGTH = 2048;
    private static final Pattern COMPACT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    private static final AlgorithmConstraints EDDSA_ONLY =
            new AlgorithmConstraints(ConstraintType.PERMIT, AlgorithmIdentifiers.EDDSA);

    /** The verdict on one token. */
    public enum Verdict {
        /** Signed by a configured key, for this tenant, user and fingerprint, not expired. */
        VALID,
        /** Genuine but past its expiry: an ordinary outcome, not a risk. */
        EXPIRED,
        /** Genuine but issued to another tenant, user or device fingerprint. */
        WRONG_LOGIN,
        /** Genuine and valid, but its device was revoked (decided by the caller, who knows the revocations). */
        REVOKED,
        /** The signature does not verify under any configured key. */
        FORGED,
        /** Not a token of this format. */
        MALFORMED
    }

    /**
     * The verdict and, once the signature verified, the device id the token names and when it was issued.
     *
     * @param verdict  the verdict
     * @param deviceId the device id from a genuine token, else null
     * @param issuedAt when a genuine token was issued (whole seconds), null when it does not say (older tokens)
     */
    public record Check(Verdict verdict, String deviceId, Instant issuedAt) {

        static Check of(Verdict verdict) {
            return new Check(verdict, null, null);
        }

        /** Judges the claims of a genuine token against the login presenting it. */
        static Check judge(String tenant, String user, String fingerprintHash, String deviceId, Instant issuedAt,
                           long expiresAt, String loginTenant, String loginUser, String loginFingerprint,
                           Instant now) {
            if (!tenant.equals(loginTenant) || !user.equals(loginUser)
                    || !fingerprintHash.toLowerCase(Locale.ROOT).equals(sha256Hex(loginFingerprint))) {
                return new Check(Verdict.WRONG_LOGIN, deviceId, issuedAt);
            }
            return new Check(now.getEpochSecond() >= expiresAt ? Verdict.EXPIRED : Verdict.VALID, deviceId, issuedAt);
        }

        /**
         * Whether the token may have been issued at or before {@code cutoff}: true in the cutoff's own second (the
         * claim has whole seconds) and for a token that does not say when it was issued, so that it fails closed.
         */
        public boolean issuedNoLaterThan(Instant cutoff) {
            return issuedAt == null || issuedAt.getEpochSecond() <= cutoff.getEpochSecond();
        }
    }

    /** The issuing half, holding challenge-service's Ed25519 private key. */
    public static final class Signer {

        private final PrivateKey key;

        public Signer(PrivateKey key) {
            this.key = key;
        }

        /**
         * The signer for a PKCS#8 DER key in base64 ({@code keystep.trusted-devices.signing-key}).
         *
         * @throws IllegalStateException for anything else, without echoing the secret
         */
        public static Signer fromPkcs8(String base64) {
            try {
                return new Signer(KeyFactory.getInstance("Ed25519").generatePrivate(
                        new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64.trim()))));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IllegalStateException(
                        "keystep.trusted-devices.signing-key is not an Ed25519 PKCS#8 key in base64");
            }
        }

        /**
         * The token for {@code tenant}'s {@code user} on the device of this fingerprint, valid until then, that does
         * not say when it was issued (then any revocation of all the user's devices revokes it).
         */
        public String sign(String tenant, String user, String fingerprint, String deviceId, Instant expiresAt) {
            return sign(tenant, user, fingerprint, deviceId, null, expiresAt);
        }

        /** The token for {@code tenant}'s {@code user} on the device of this fingerprint, issued then, valid until. */
        public String sign(String tenant, String user, String fingerprint, String deviceId, Instant issuedAt,
                           Instant expiresAt) {
            JwtClaims claims = new JwtClaims();
            if (issuedAt != null) {
                claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
            }
            claims.setStringClaim(TENANT, tenant);
            claims.setSubject(user);
            claims.setStringClaim(FINGERPRINT, sha256Hex(fingerprint));
            claims.setStringClaim(DEVICE, deviceId);
            claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
            JsonWebSignature jws = new JsonWebSignature();
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.EDDSA);
            jws.setPayload(claims.toJson());
            jws.setKey(key);
            try {
                return jws.getCompactSerialization();
            } catch (JoseException e) {
                throw new IllegalStateException("Ed25519 unavailable", e);
            }
        }
    }

    private final List<PublicKey> keys;

    private TrustedDeviceTokens(List<PublicKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * Verifier for tokens signed by any of these keys (X.509 SubjectPublicKeyInfo DER, base64; PEM armour and
     * whitespace are tolerated). Several keys let challenge-service rotate its signing key. No key: tokens are
     * not checked.
     *
     * @throws IllegalArgumentException for a key that is not an Ed25519 public key
     */
    public static TrustedDeviceTokens withKeys(List<String> base64Keys) {
        return new TrustedDeviceTokens(base64Keys.stream().filter(k -> !k.isBlank())
                .map(TrustedDeviceTokens::publicKey).toList());
    }

    /** Whether tokens are checked at all. */
    public boolean enabled() {
        return !keys.isEmpty();
    }

    /** How many keys are accepted. */
    public int keyCount() {
        return keys.size();
    }

    /** Judges a token presented with a login of {@code tenant}'s {@code user} from {@code fingerprint}. */
    public Check check(String token, String tenant, String user, String fingerprint, Instant now) {
        if (token == null || token.length() > MAX_LENGTH) {
            return Check.of(Verdict.MALFORMED);
        }
        if (token.startsWith(DeviceTokenV1.PREFIX)) {
            return DeviceTokenV1.check(token, keys, tenant, user, fingerprint, now);
        }
        if (!COMPACT.matcher(token).matches()) {
            return Check.of(Verdict.MALFORMED);
        }
        String payload;
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setCompactSerialization(token);
            if (!AlgorithmIdentifiers.EDDSA.equals(jws.getAlgorithmHeaderValue())) {
                return Check.of(Verdict.MALFORMED);
            }
            payload = jws.getUnverifiedPayload();
        } catch (JoseException | RuntimeException e) {
            return Check.of(Verdict.MALFORMED);
        }
        // Nothing in the payload is believed before the signature is.
        if (!signedByAnyKey(token)) {
            return Check.of(Verdict.FORGED);
        }
        try {
            JwtClaims claims = JwtClaims.parse(payload);
            String tokenTenant = claims.getStringClaimValue(TENANT);
            String tokenUser = claims.getSubject();
            String fingerprintHash = claims.getStringClaimValue(FINGERPRINT);
            String deviceId = claims.getStringClaimValue(DEVICE);
            NumericDate expiresAt = claims.getExpirationTime();
            NumericDate issuedAt = claims.getIssuedAt();
            if (tokenTenant == null || tokenUser == null || fingerprintHash == null || deviceId == null
                    || deviceId.isBlank() || expiresAt == null) {
                return Check.of(Verdict.MALFORMED);
            }
            return Check.judge(tokenTenant, tokenUser, fingerprintHash, deviceId,
                    issuedAt == null ? null : Instant.ofEpochSecond(issuedAt.getValue()), expiresAt.getValue(),
                    tenant, user, fingerprint, now);
        } catch (InvalidJwtException | MalformedClaimException e) {
            return Check.of(Verdict.MALFORMED);
        }
    }

    /** SHA-256 hex (lower case) of the UTF-8 of a text, as the token carries a fingerprint. */
    public static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private boolean signedByAnyKey(String token) {
        for (PublicKey key : keys) {
            try {
                // A JsonWebSignature remembers its verdict: a fresh one per key.
                JsonWebSignature jws = new JsonWebSignature();
                jws.setAlgorithmConstraints(EDDSA_ONLY);
                jws.setCompactSerialization(token);
                jws.setKey(key);
                if (jws.verifySignature()) {
                    return true;
                }
            } catch (JoseException | RuntimeException e) {
                // A signature of the wrong length or encoding is simply not a valid signature.
            }
        }
        return false;
    }

    private static PublicKey publicKey(String base64) {
        String body = base64.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(
                    new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // Never echo the configured value: name the problem only.
            throw new IllegalArgumentException("keystep.trusted-devices.public-key is not a base64 X.509 Ed25519 "
                    + "public key: " + e.getClass().getSimpleName());
        }
    }
}
