package io.keystep.delivery.domain;

import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SealedCodeOpenerTest {

    private static final String OLD = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String NEW = "HxAeHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";

    @Test
    void rotatedOutKeysStillOpenWhatTheySealed() throws Exception {
        SealedCodeOpener opener = SealedCodeOpener.fromKeyList("k2:" + NEW + ", k1:" + OLD);
        assertEquals(Optional.of("123456"), opener.open(seal("k1", OLD, "123456", "acme:c1"), "acme", "c1"));
        assertEquals(Optional.of("654321"), opener.open(seal("k2", NEW, "654321", "acme:c1"), "acme", "c1"));
    }

    @Test
    void codeSealedForAnotherTenantOrChallengeOrUnknownKeyDoesNotOpen() throws Exception {
        SealedCodeOpener opener = SealedCodeOpener.fromKeyList("k1:" + OLD);
        String sealed = seal("k1", OLD, "123456", "acme:c1");
        assertEquals(Optional.empty(), opener.open(sealed, "other", "c1"));
        assertEquals(Optional.empty(), opener.open(sealed, "acme", "c2"));
        assertEquals(Optional.empty(), opener.open(seal("k9", OLD, "123456", "acme:c1"), "acme", "c1"));
        assertEquals(Optional.empty(), opener.open("v1.k1.@@@", "acme", "c1"));
        assertEquals(Optional.empty(), opener.open("v2.k1." + sealed.substring(6), "acme", "c1"));
    }

    @Test
    void malformedKeyListStopsStartUp() {
        assertThrows(IllegalArgumentException.class, () -> SealedCodeOpener.fromKeyList(""));
        assertThrows(IllegalArgumentException.class, () -> SealedCodeOpener.fromKeyList("k1:AAEC"));
        assertThrows(IllegalArgumentException.class, () -> SealedCodeOpener.fromKeyList("nokey"));
    }

    private static String seal(String keyId, String key, String code, String aad) throws Exception {
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Base64.getDecoder().decode(key), "AES"),
                new GCMParameterSpec(128, nonce));
        cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
        byte[] sealed = cipher.doFinal(code.getBytes(StandardCharsets.UTF_8));
        byte[] box = new byte[12 + sealed.length];
        System.arraycopy(nonce, 0, box, 0, 12);
        System.arraycopy(sealed, 0, box, 12, sealed.length);
        return "v1." + keyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(box);
    }
}
