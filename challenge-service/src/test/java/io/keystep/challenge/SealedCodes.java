package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opens a sealed code the way a delivery worker does, with the JDK alone and the %test key: a compact JWE,
 * {@code alg=dir}, {@code enc=A256GCM}, {@code kid=t1}, under the key HKDF-SHA256 derives from the %test key with the
 * code label (or, for a notice's destinations, the notice label), whose claims must name this tenant and challenge.
 */
public final class SealedCodes {

    static final String TEST_KEY_ID = "t1";
    static final byte[] TEST_KEY = Base64.getDecoder().decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The HKDF labels of the two kinds of sealed value, as the service kit names them. */
    private static final String CODE_LABEL = "keystep sealing v2: challenge.issued code";
    private static final String NOTICE_LABEL = "keystep sealing v2: factor.changed notice destinations";

    private SealedCodes() {
    }

    /** The protected header of a sealed code. */
    public static JsonNode header(String sealed) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(sealed.split("\\.", -1)[0]));
    }

    /** The claims of a sealed code: the code ({@code val}) and the use it is bound to. */
    public static JsonNode claims(String sealed) throws Exception {
        return decrypt(sealed, CODE_LABEL);
    }

    public static String open(String sealed, String tenantId, String challengeId) throws Exception {
        return valueFor(decrypt(sealed, CODE_LABEL), tenantId, challengeId);
    }

    /** A notice's destinations, opened under the notice key. */
    public static String openNotice(String sealed, String tenantId, String eventId) throws Exception {
        return valueFor(decrypt(sealed, NOTICE_LABEL), tenantId, eventId);
    }

    private static String valueFor(JsonNode claims, String tenantId, String subjectId) {
        if (!tenantId.equals(claims.path("tid").asText()) || !subjectId.equals(claims.path("sub").asText())) {
            throw new IllegalArgumentException("sealed for another tenant or subject");
        }
        return claims.path("val").asText();
    }

    /** RFC 5869 with no salt, one 32-byte block. */
    private static byte[] derive(String label) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        mac.init(new SecretKeySpec(mac.doFinal(TEST_KEY), "HmacSHA256"));
        mac.update(label.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 1);
        return mac.doFinal();
    }

    private static JsonNode decrypt(String sealed, String label) throws Exception {
        String[] parts = sealed.split("\\.", -1);
        JsonNode header = parts.length == 5 ? header(sealed) : null;
        if (header == null || !parts[1].isEmpty() || !"dir".equals(header.path("alg").asText())
                || !"A256GCM".equals(header.path("enc").asText()) || !TEST_KEY_ID.equals(header.path("kid").asText())) {
            throw new IllegalArgumentException("not a JWE sealed under the test key: " + header);
        }
        Base64.Decoder url = Base64.getUrlDecoder();
        byte[] ciphertext = url.decode(parts[3]);
        byte[] tag = url.decode(parts[4]);
        byte[] box = new byte[ciphertext.length + tag.length];
        System.arraycopy(ciphertext, 0, box, 0, ciphertext.length);
        System.arraycopy(tag, 0, box, ciphertext.length, tag.length);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(derive(label), "AES"),
                new GCMParameterSpec(128, url.decode(parts[2])));
        cipher.updateAAD(parts[0].getBytes(StandardCharsets.US_ASCII));
        return JSON.readTree(cipher.doFinal(box));
    }
}
