package io.keystep.risk.domain;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Verifies the trusted-device tokens challenge-service issues after an approved login challenge:
 * {@code v1.<base64url(payload)>.<base64url(signature)>}, the payload being the UTF-8 of
 * {@code tenant|user|sha256hex(fingerprint)|deviceId|expiresAtEpochSeconds} and the signature Ed25519 over the
 * payload bytes. Pure and thread-safe; a token is only ever judged, never an error.
 */
public final class TrustedDeviceTokens {

    /** Far above any real token; a longer string is not decoded at all. */
    private static final int MAX_LENGTH = 2048;
    private static final String VERSION = "v1";

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
     * The verdict and, once the signature verified, the device id the token names.
     *
     * @param verdict  the verdict
     * @param deviceId the device id from a genuine token, else null
     */
    public record Check(Verdict verdict, String deviceId) {

        static Check of(Verdict verdict) {
            return new Check(verdict, null);
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
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            return Check.of(Verdict.MALFORMED);
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = decode(parts[1]);
            signature = decode(parts[2]);
        } catch (IllegalArgumentException e) {
            return Check.of(Verdict.MALFORMED);
        }
        // Nothing in the payload is believed before the signature is.
        if (!signedByAnyKey(payload, signature)) {
            return Check.of(Verdict.FORGED);
        }
        String[] fields = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
        if (fields.length != 5 || fields[3].isBlank()) {
            return Check.of(Verdict.MALFORMED);
        }
        long expiresAt;
        try {
            expiresAt = Long.parseLong(fields[4]);
        } catch (NumberFormatException e) {
            return Check.of(Verdict.MALFORMED);
        }
        String deviceId = fields[3];
        if (!fields[0].equals(tenant) || !fields[1].equals(user)
                || !fields[2].toLowerCase(Locale.ROOT).equals(sha256Hex(fingerprint))) {
            return new Check(Verdict.WRONG_LOGIN, deviceId);
        }
        if (now.getEpochSecond() >= expiresAt) {
            return new Check(Verdict.EXPIRED, deviceId);
        }
        return new Check(Verdict.VALID, deviceId);
    }

    /** SHA-256 hex (lower case) of the UTF-8 of a fingerprint, as the token carries it. */
    public static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private boolean signedByAnyKey(byte[] payload, byte[] signature) {
        for (PublicKey key : keys) {
            try {
                // Signature objects are not thread-safe; a fresh one per check is cheap next to the verification.
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(key);
                verifier.update(payload);
                if (verifier.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                // A signature of the wrong length or encoding is simply not a valid signature.
            }
        }
        return false;
    }

    private static byte[] decode(String part) {
        if (part.isEmpty() || part.indexOf('=') >= 0) {
            throw new IllegalArgumentException("not base64url without padding");
        }
        return Base64.getUrlDecoder().decode(part);
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
