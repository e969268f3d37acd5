package io.keystep.challenge.factors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) codes and their secrets, and the Base32 (RFC 4648) and {@code otpauth://} key
 * URI that authenticator apps read.
 */
public final class OneTimePasswords {

    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private OneTimePasswords() {
    }

    /** The HOTP value of {@code counter}, {@code digits} long, with HMAC-{@code algorithm} (SHA1, SHA256, SHA512). */
    public static String hotp(byte[] key, long counter, int digits, String algorithm) {
        byte[] hash;
        try {
            Mac mac = Mac.getInstance("Hmac" + algorithm);
            mac.init(new SecretKeySpec(key, "Hmac" + algorithm));
            hash = mac.doFinal(ByteBuffer.allocate(8).putLong(counter).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Hmac" + algorithm + " unavailable", e);
        }
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
        long modulus = 1;
        for (int i = 0; i < digits; i++) {
            modulus *= 10;
        }
        String value = Long.toString(binary % modulus);
        return "0".repeat(digits - value.length()) + value;
    }

    /** The TOTP time step of an instant (seconds since the epoch). */
    public static long timeStep(long epochSeconds, int periodSeconds) {
        return Math.floorDiv(epochSeconds, periodSeconds);
    }

    /** Compares codes without an early exit. */
    public static boolean sameCode(String expected, String presented) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    public static String base32(byte[] data) {
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    public static byte[] fromBase32(String text) {
        String s = text.replace("=", "").toUpperCase(java.util.Locale.ROOT);
        ByteBuffer out = ByteBuffer.allocate(s.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (char c : s.toCharArray()) {
            int v = BASE32.indexOf(c);
            if (v < 0) {
                throw new IllegalArgumentException("not base32");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.put((byte) (buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return out.array();
    }

    /** Secret length by hash: the hash's output size (RFC 6238 Appendix B keys, RFC 4226 §4 minimum 160 bits). */
    static int secretBytes(String algorithm) {
        return switch (algorithm) {
            case "SHA256" -> 32;
            case "SHA512" -> 64;
            default -> 20;
        };
    }

    /**
     * The {@code otpauth://} key URI of a factor, as authenticator apps scan it: labelled with the user when the
     * factor's label is only its kind.
     */
    static String keyUri(String issuer, String kind, String factorLabel, String userId, String algorithm, int digits,
                         int periodSeconds, byte[] secret) {
        String label = enc(issuer) + ":" + enc(factorLabel.equals(kind.toLowerCase(java.util.Locale.ROOT))
                ? userId : factorLabel);
        String uri = "otpauth://" + kind.toLowerCase(java.util.Locale.ROOT) + "/" + label
                + "?secret=" + base32(secret) + "&issuer=" + enc(issuer)
                + "&algorithm=" + algorithm + "&digits=" + digits;
        return "TOTP".equals(kind) ? uri + "&period=" + periodSeconds : uri + "&counter=0";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
