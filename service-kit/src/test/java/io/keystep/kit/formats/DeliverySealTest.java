package io.keystep.kit.formats;

import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both halves of the sealed delivery job: challenge-service seals, delivery-service opens. */
class DeliverySealTest {

    private static final String OLD = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String NEW = "HxAeHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";

    private final DeliverySeal seal = new DeliverySeal(SealingKeys.parse("k1:" + OLD));

    @Test
    void aSealedCodeOpensForItsTenantAndChallenge() {
        String sealed = seal.seal("acme", "c1", "123456");
        assertEquals(Optional.of("123456"), seal.open(sealed, "acme", "c1"));
        assertFalse(sealed.contains("123456"));
    }

    @Test
    void theSealIsACompactJweDirectA256gcmNamingItsKey() {
        String sealed = seal.seal("acme", "c1", "123456");
        String[] parts = sealed.split("\\.", -1);
        assertEquals(5, parts.length);
        assertEquals("", parts[1], "alg=dir carries no encrypted key");
        String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        assertTrue(header.contains("\"alg\":\"dir\""), header);
        assertTrue(header.contains("\"enc\":\"A256GCM\""), header);
        assertTrue(header.contains("\"kid\":\"k1\""), header);
        assertFalse(header.contains("acme"), "tenant and challenge travel encrypted, not in the header");
        assertNotEquals(sealed, seal.seal("acme", "c1", "123456"), "a fresh IV every time");
    }

    @Test
    void aCodeSealedForAnotherTenantOrChallengeDoesNotOpen() {
        String sealed = seal.seal("acme", "c1", "123456");
        assertEquals(Optional.empty(), seal.open(sealed, "other", "c1"));
        assertEquals(Optional.empty(), seal.open(sealed, "acme", "c2"));
        assertEquals(Optional.empty(), seal.open(sealed, null, "c1"));
    }

    @Test
    void anAlteredOrMalformedSealDoesNotOpen() {
        String sealed = seal.seal("acme", "c1", "123456");
        String[] parts = sealed.split("\\.", -1);
        parts[3] = (parts[3].charAt(0) == 'A' ? "B" : "A") + parts[3].substring(1);
        String altered = String.join(".", parts);
        assertEquals(Optional.empty(), seal.open(altered, "acme", "c1"));
        for (String bad : new String[] {null, "", "garbage", "a.b.c.d.e", sealed + ".x",
                sealed.substring(0, sealed.lastIndexOf('.')), "v1.k1.@@@", "v2.k1.AAAA"}) {
            assertEquals(Optional.empty(), seal.open(bad, "acme", "c1"), String.valueOf(bad));
        }
    }

    @Test
    void aSealUnderAnUnknownKeyDoesNotOpen() {
        DeliverySeal stranger = new DeliverySeal(SealingKeys.parse("k9:" + OLD));
        assertEquals(Optional.empty(), seal.open(stranger.seal("acme", "c1", "123456"), "acme", "c1"));
        DeliverySeal sameIdOtherKey = new DeliverySeal(SealingKeys.parse("k1:" + NEW));
        assertEquals(Optional.empty(), seal.open(sameIdOtherKey.seal("acme", "c1", "123456"), "acme", "c1"));
    }

    @Test
    void afterARotationTheOlderKeyStillOpensWhatItSealed() {
        String before = seal.seal("acme", "c1", "123456");
        DeliverySeal rotated = new DeliverySeal(SealingKeys.parse("k2:" + NEW + ", k1:" + OLD));
        String after = rotated.seal("acme", "c1", "654321");
        assertTrue(new String(Base64.getUrlDecoder().decode(after.split("\\.")[0]), StandardCharsets.UTF_8)
                .contains("\"kid\":\"k2\""), "the first key seals");
        assertEquals(Optional.of("123456"), rotated.open(before, "acme", "c1"));
        assertEquals(Optional.of("654321"), rotated.open(after, "acme", "c1"));
        assertEquals(Optional.empty(), seal.open(after, "acme", "c1"), "k2 is unknown before the rotation");
    }

    @Test
    void aNoticesDestinationsAreSealedForItsEvent() {
        String sealed = seal.seal("acme", "event-1", "SMS:+15555550123,SMS:+15555550124");
        assertEquals(Optional.of("SMS:+15555550123,SMS:+15555550124"), seal.open(sealed, "acme", "event-1"));
        assertEquals(Optional.empty(), seal.open(sealed, "acme", "event-2"));
    }

    @Test
    void codesSealedInTheEarlierV1FormStillOpenOnlyForTheirChallenge() throws Exception {
        DeliverySeal rotated = new DeliverySeal(SealingKeys.parse("k2:" + NEW + ", k1:" + OLD));
        assertEquals(Optional.of("123456"), rotated.open(sealV1("k1", OLD, "123456", "acme:c1"), "acme", "c1"));
        assertEquals(Optional.of("654321"), rotated.open(sealV1("k2", NEW, "654321", "acme:c1"), "acme", "c1"));
        String sealed = sealV1("k1", OLD, "123456", "acme:c1");
        assertEquals(Optional.empty(), rotated.open(sealed, "other", "c1"));
        assertEquals(Optional.empty(), rotated.open(sealed, "acme", "c2"));
        assertEquals(Optional.empty(), rotated.open(sealV1("k9", OLD, "123456", "acme:c1"), "acme", "c1"));
        assertEquals(Optional.empty(), rotated.open("v1.k1.@@@", "acme", "c1"));
        assertEquals(Optional.empty(), rotated.open("v2.k1." + sealed.substring(6), "acme", "c1"));
    }

    @Test
    void aMalformedKeyListStopsStartUpWithoutPrintingAKey() {
        assertThrows(IllegalArgumentException.class, () -> SealingKeys.parse(null));
        assertThrows(IllegalArgumentException.class, () -> SealingKeys.parse(""));
        assertThrows(IllegalArgumentException.class, () -> SealingKeys.parse("k1:AAEC"));
        assertThrows(IllegalArgumentException.class, () -> SealingKeys.parse("nokey"));
        assertThrows(IllegalArgumentException.class, () -> SealingKeys.parse(":" + OLD));
        assertThrows(IllegalArgumentException.class, () -> SealingKeys.parse("k 1:" + OLD));
        assertThrows(IllegalArgumentException.class, () -> SealingKeys.parse("k1:" + OLD + ",k1:" + NEW));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SealingKeys.parse("k1:" + OLD + ",k2:not*base64"));
        assertFalse(e.getMessage().contains("not*base64"));
        SealingKeys keys = SealingKeys.parse(" k2:" + NEW + " , k1:" + OLD);
        assertEquals("k2", keys.activeId());
        assertTrue(keys.toString().contains("k1"));
        assertFalse(keys.toString().contains(NEW));
        assertEquals("k2", new SealingKeys.ConfigConverter().convert("k2:" + NEW).activeId());
    }

    /** The form written before the JWE one, exactly as challenge-service wrote it. */
    private static String sealV1(String keyId, String key, String code, String aad) throws Exception {
        byte[] nonce = new byte[12];
        new SecureRandom().nextBytes(nonce);
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
