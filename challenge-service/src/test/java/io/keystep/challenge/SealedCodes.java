package io.keystep.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opens a sealed code the way a delivery worker does, with the JDK alone and the %test key: a compact JWE,
 * {@code alg=dir}, {@code enc=A256GCM}, {@code kid=t1}, whose claims must name this tenant and challenge.
 */
public final class SealedCodes {

    static final String TEST_KEY_ID = "t1";
    static final byte[] TEST_KEY = Base64.getDecoder().decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SealedCodes() {
    }

    /** The protected header of a sealed code. */
    public static JsonNode header(String sealed) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(sealed.split("\\.", -1)[0]));
    }

    public static String open(String sealed, String tenantId, String challengeId) throws Exception {
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
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(TEST_KEY, "AES"), new GCMParameterSpec(128, url.decode(parts[2])));
        cipher.updateAAD(parts[0].getBytes(StandardCharsets.US_ASCII));
        JsonNode claims = JSON.readTree(cipher.doFinal(box));
        if (!tenantId.equals(claims.path("tid").asText()) || !challengeId.equals(claims.path("sub").asText())) {
            throw new IllegalArgumentException("sealed for another tenant or challenge");
        }
        return claims.path("val").asText();
    }
}
