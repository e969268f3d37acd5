package io.keystep.challenge;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** Opens a sealed code the way a delivery worker does, with the JDK alone and the %test key. */
public final class SealedCodes {

    static final String TEST_KEY_ID = "t1";
    static final byte[] TEST_KEY = Base64.getDecoder().decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");

    private SealedCodes() {
    }

    public static String open(String sealed, String tenantId, String challengeId) throws Exception {
        String[] parts = sealed.split("\\.");
        if (parts.length != 3 || !parts[0].equals("v1") || !parts[1].equals(TEST_KEY_ID)) {
            throw new IllegalArgumentException("not a v1 code sealed under the test key: " + parts[0]);
        }
        byte[] blob = Base64.getUrlDecoder().decode(parts[2]);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(TEST_KEY, "AES"),
                new GCMParameterSpec(128, Arrays.copyOfRange(blob, 0, 12)));
        cipher.updateAAD((tenantId + ":" + challengeId).getBytes(StandardCharsets.UTF_8));
        return new String(cipher.doFinal(blob, 12, blob.length - 12), StandardCharsets.UTF_8);
    }
}
