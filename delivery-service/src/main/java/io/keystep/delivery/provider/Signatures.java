package io.keystep.delivery.provider;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/** The signature schemes providers use on webhooks, checked in constant time. */
public final class Signatures {

    /** The DER prefix that turns a raw 32-byte Ed25519 key into an X.509 SubjectPublicKeyInfo. */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private Signatures() {
    }

    public static byte[] hmac(String algorithm, String secret, String data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }

    /** {@code v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>}: the scheme of Keystep's own webhooks. */
    public static String webhookSignature(String secret, String timestamp, String body) {
        return "v1=" + HexFormat.of().formatHex(hmac("HmacSHA256", secret, timestamp + "." + body));
    }

    public static boolean equal(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    /** Rejects a timestamp (epoch seconds) outside the tolerated skew, so that an old receipt cannot be replayed. */
    public static void requireFresh(String epochSeconds, Instant now, Duration maxSkew) {
        long seconds;
        try {
            seconds = Long.parseLong(epochSeconds == null ? "" : epochSeconds.trim());
        } catch (NumberFormatException e) {
            throw new ReceiptRejected(401, "signature timestamp missing");
        }
        if (Math.abs(now.getEpochSecond() - seconds) > maxSkew.toSeconds()) {
            throw new ReceiptRejected(401, "signature timestamp too old");
        }
    }

    public static PublicKey ed25519(String base64RawKey) {
        try {
            byte[] raw = Base64.getDecoder().decode(base64RawKey.trim());
            byte[] spki = raw.length == 32 ? concat(ED25519_SPKI_PREFIX, raw) : raw;
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 public key");
        }
    }

    public static boolean verifyEd25519(PublicKey key, String data, String base64Signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(data.getBytes(StandardCharsets.UTF_8));
            return verifier.verify(Base64.getDecoder().decode(base64Signature));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
