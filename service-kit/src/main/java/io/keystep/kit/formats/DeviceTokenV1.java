package io.keystep.kit.formats;

import io.keystep.kit.formats.TrustedDeviceTokens.Check;
import io.keystep.kit.formats.TrustedDeviceTokens.Verdict;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Reads the trusted-device token issued before {@link TrustedDeviceTokens} used JWS:
 * {@code v1.<base64url(payload)>.<base64url(Ed25519 signature over payload)>}, payload
 * {@code tenant|user|sha256hex(fingerprint)|deviceId|expiresAtEpochSeconds}. Nothing issues it any more.
 * <p>
 * Delete 30 days (the token lifetime, {@code keystep.trusted-devices.ttl}) after every challenge-service issues JWS.
 */
final class DeviceTokenV1 {

    static final String PREFIX = "v1.";

    private DeviceTokenV1() {
    }

    static Check check(String token, List<PublicKey> keys, String tenant, String user, String fingerprint,
                       Instant now) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
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
        if (!signedByAnyKey(keys, payload, signature)) {
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
        return Check.judge(fields[0], fields[1], fields[2], fields[3], null, expiresAt, tenant, user, fingerprint,
                now);
    }

    private static boolean signedByAnyKey(List<PublicKey> keys, byte[] payload, byte[] signature) {
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
}
