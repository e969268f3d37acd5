package io.keystep.kit.formats;

import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Purpose;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both halves of the sealed delivery job and notice: challenge-service seals, delivery-service opens. */
class DeliverySealTest {

    private static final String OLD = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String NEW = "HxAeHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";
    private static final Instant EXPIRES = Instant.parse("2026-11-22T09:20:00.021Z");

    private final DeliverySeal seal = new DeliverySeal(SealingKeys.parse("k1:" + OLD));

    private static CodeUse use() {
        return new CodeUse("acme", "c1", "alice", List.of(Channel.SMS, Channel.VOICE), "+14155552671",
                Purpose.LOGIN, 1, EXPIRES, "en", null, null);
    }

    private static CodeUse payment() {
        return new CodeUse("acme", "c1", "alice", List.of(Channel.SMS), "+14155552671", Purpose.TRANSACTION, 2,
                EXPIRES, "de", "49.9 EUR", "Beispiel GmbH");
    }

    private static NoticeUse notice() {
        return new NoticeUse("acme", "event-1", "alice", "A sign-in method was removed.", "en");
    }

    @Test
    void aSealedCodeOpensForExactlyItsUse() {
        String sealed = seal.sealCode(use(), "123456");
        assertEquals(Optional.of("123456"), seal.openCode(sealed, use()).value());
        assertFalse(sealed.contains("123456"));
        String forPayment = seal.sealCode(payment(), "654321");
        assertEquals(Optional.of("654321"), seal.openCode(forPayment, payment()).value());
    }

    @Test
    void aCodeOpensForNoOtherDestinationChannelPurposeOrSendAttempt() {
        String sealed = seal.sealCode(use(), "123456");
        CodeUse u = use();
        assertMismatch(sealed, with(u, "acme", "c1", "alice", u.channels(), "+14155550000", u.purpose(), 1),
                "destination");
        assertMismatch(sealed, with(u, "acme", "c1", "alice", List.of(Channel.WHATSAPP), u.destination(),
                u.purpose(), 1), "channelPlan");
        assertMismatch(sealed, with(u, "acme", "c1", "alice", List.of(Channel.SMS, Channel.EMAIL), u.destination(),
                u.purpose(), 1), "channelPlan");
        assertMismatch(sealed, with(u, "acme", "c1", "alice", u.channels(), u.destination(), Purpose.RECOVERY, 1),
                "purpose");
        assertMismatch(sealed, with(u, "acme", "c1", "alice", u.channels(), u.destination(), u.purpose(), 6),
                "sendAttempt");
        assertMismatch(sealed, with(u, "other", "c1", "alice", u.channels(), u.destination(), u.purpose(), 1),
                "tenantId");
        assertMismatch(sealed, with(u, "acme", "c2", "alice", u.channels(), u.destination(), u.purpose(), 1),
                "challengeId");
        assertMismatch(sealed, with(u, "acme", "c1", "mallory", u.channels(), u.destination(), u.purpose(), 1),
                "userId");
        Opening both = seal.openCode(sealed, with(u, "acme", "c1", "alice", u.channels(), "+14155550000",
                u.purpose(), 6));
        assertEquals("SEALED_FOR_ANOTHER_USE (destination, sendAttempt)", ((Opening.Refused) both).describe());
        assertFalse(both.toString().contains("123456"), "a refusal never quotes the code");
    }

    @Test
    void aPaymentCodeOpensForNoOtherAmountPayeeExpiryOrLanguage() {
        String sealed = seal.sealCode(payment(), "654321");
        CodeUse p = payment();
        assertMismatch(sealed, new CodeUse("acme", "c1", "alice", p.channels(), p.destination(), p.purpose(), 2,
                EXPIRES, "de", "4990 EUR", p.payee()), "amount");
        assertMismatch(sealed, new CodeUse("acme", "c1", "alice", p.channels(), p.destination(), p.purpose(), 2,
                EXPIRES, "de", p.amount(), "Mallory Ltd"), "payee");
        assertMismatch(sealed, new CodeUse("acme", "c1", "alice", p.channels(), p.destination(), p.purpose(), 2,
                EXPIRES.plusSeconds(3600), "de", p.amount(), p.payee()), "expiresAt");
        assertMismatch(sealed, new CodeUse("acme", "c1", "alice", p.channels(), p.destination(), p.purpose(), 2,
                EXPIRES, "en", p.amount(), p.payee()), "locale");
    }

    @Test
    void aJobMayNameFewerOfTheSealedChannelsInAnyOrder() {
        String sealed = seal.sealCode(use(), "123456");
        CodeUse u = use();
        assertEquals(Optional.of("123456"), seal.openCode(sealed, with(u, "acme", "c1", "alice",
                List.of(Channel.VOICE, Channel.SMS), u.destination(), u.purpose(), 1)).value());
        assertEquals(Optional.of("123456"), seal.openCode(sealed, with(u, "acme", "c1", "alice",
                List.of(Channel.VOICE), u.destination(), u.purpose(), 1)).value());
    }

    @Test
    void theUseReadBackFromAPublishedJobIsTheUseSealed() {
        CodeUse sealedFor = new CodeUse("acme", "c1", "alice", List.of(Channel.SMS), "+14155552671", null, 0,
                EXPIRES, " ", null, null);
        ChallengeIssued job = sealedFor.job("login-1", seal.sealCode(sealedFor, "123456"));
        assertEquals(sealedFor, CodeUse.of("acme", job));
        assertEquals(Optional.of("123456"), seal.openCode(job.sealedCode(), CodeUse.of("acme", job)).value());
        assertEquals("login-1", job.loginId());
    }

    @Test
    void aNoticeSealNeverOpensAsACodeNorACodeSealAsANotice() {
        // The same tenant and subject on both sides: only the derived keys tell them apart.
        NoticeUse asNotice = new NoticeUse("acme", "c1", "alice", null, null);
        String noticeSeal = seal.sealNotice(asNotice, "SMS:+14155552671");
        assertUnreadable(seal.openCode(noticeSeal, use()));
        String codeSeal = seal.sealCode(use(), "123456");
        assertUnreadable(seal.openNotice(codeSeal, asNotice));
        assertEquals(Optional.of("SMS:+14155552671"), seal.openNotice(noticeSeal, asNotice).value());
    }

    @Test
    void theConfiguredKeyItselfSealsNothing() throws Exception {
        String sealed = seal.sealCode(use(), "123456");
        String[] parts = sealed.split("\\.", -1);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(Base64.getDecoder().decode(OLD), "AES"),
                new GCMParameterSpec(128, Base64.getUrlDecoder().decode(parts[2])));
        cipher.updateAAD(parts[0].getBytes(StandardCharsets.US_ASCII));
        byte[] ciphertext = Base64.getUrlDecoder().decode(parts[3]);
        byte[] tag = Base64.getUrlDecoder().decode(parts[4]);
        byte[] box = new byte[ciphertext.length + tag.length];
        System.arraycopy(ciphertext, 0, box, 0, ciphertext.length);
        System.arraycopy(tag, 0, box, ciphertext.length, tag.length);
        assertThrows(javax.crypto.AEADBadTagException.class, () -> cipher.doFinal(box),
                "a code is sealed under a key derived for codes, not under the configured key");
    }

    @Test
    void aNoticesDestinationsOpenOnlyForItsEventUserAndText() {
        String sealed = seal.sealNotice(notice(), "SMS:+15555550123,SMS:+15555550124");
        assertEquals(Optional.of("SMS:+15555550123,SMS:+15555550124"), seal.openNotice(sealed, notice()).value());
        assertNoticeMismatch(sealed, new NoticeUse("acme", "event-2", "alice", notice().summary(), "en"), "eventId");
        assertNoticeMismatch(sealed, new NoticeUse("other", "event-1", "alice", notice().summary(), "en"),
                "tenantId");
        assertNoticeMismatch(sealed, new NoticeUse("acme", "event-1", "bob", notice().summary(), "en"), "userId");
        assertNoticeMismatch(sealed, new NoticeUse("acme", "event-1", "alice", "Call +1 900 555 0100 now.", "en"),
                NoticeHeaders.SUMMARY);
        assertNoticeMismatch(sealed, new NoticeUse("acme", "event-1", "alice", notice().summary(), null),
                NoticeHeaders.LOCALE);
    }

    @Test
    void theSealIsACompactJweDirectA256gcmNamingItsKey() {
        String sealed = seal.sealCode(use(), "123456");
        String[] parts = sealed.split("\\.", -1);
        assertEquals(5, parts.length);
        assertEquals("", parts[1], "alg=dir carries no encrypted key");
        String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        assertTrue(header.contains("\"alg\":\"dir\""), header);
        assertTrue(header.contains("\"enc\":\"A256GCM\""), header);
        assertTrue(header.contains("\"kid\":\"k1\""), header);
        assertFalse(header.contains("acme") || header.contains("4155552671"),
                "the use travels encrypted, not in the header");
        assertNotEquals(sealed, seal.sealCode(use(), "123456"), "a fresh IV every time");
    }

    @Test
    void anAlteredOrMalformedSealDoesNotOpen() {
        String sealed = seal.sealCode(use(), "123456");
        String[] parts = sealed.split("\\.", -1);
        parts[3] = (parts[3].charAt(0) == 'A' ? "B" : "A") + parts[3].substring(1);
        assertUnreadable(seal.openCode(String.join(".", parts), use()));
        for (String bad : new String[] {null, "", "garbage", "a.b.c.d.e", sealed + ".x",
                sealed.substring(0, sealed.lastIndexOf('.')), "v1.k1.@@@", "v2.k1.AAAA"}) {
            assertUnreadable(seal.openCode(bad, use()));
            assertUnreadable(seal.openNotice(bad, notice()));
        }
    }

    @Test
    void earlierFormsBoundOnlyToTenantAndChallengeNoLongerOpen() throws Exception {
        assertUnreadable(seal.openCode(sealV1("k1", OLD, "123456", "acme:c1"), use()));
        // The JWE form sealed directly under the configured key, with tenant and challenge alone.
        org.jose4j.jwe.JsonWebEncryption jwe = new org.jose4j.jwe.JsonWebEncryption();
        jwe.setAlgorithmHeaderValue("dir");
        jwe.setEncryptionMethodHeaderParameter("A256GCM");
        jwe.setKeyIdHeaderValue("k1");
        jwe.setKey(new SecretKeySpec(Base64.getDecoder().decode(OLD), "AES"));
        jwe.setPayload("{\"tid\":\"acme\",\"sub\":\"c1\",\"val\":\"123456\"}");
        assertUnreadable(seal.openCode(jwe.getCompactSerialization(), use()));
    }

    @Test
    void aSealUnderAnUnknownKeyDoesNotOpen() {
        DeliverySeal stranger = new DeliverySeal(SealingKeys.parse("k9:" + OLD));
        assertUnreadable(seal.openCode(stranger.sealCode(use(), "123456"), use()));
        DeliverySeal sameIdOtherKey = new DeliverySeal(SealingKeys.parse("k1:" + NEW));
        assertUnreadable(seal.openCode(sameIdOtherKey.sealCode(use(), "123456"), use()));
    }

    @Test
    void afterARotationTheOlderKeyStillOpensWhatItSealed() {
        String before = seal.sealCode(use(), "123456");
        String noticeBefore = seal.sealNotice(notice(), "SMS:+15555550123");
        DeliverySeal rotated = new DeliverySeal(SealingKeys.parse("k2:" + NEW + ", k1:" + OLD));
        String after = rotated.sealCode(use(), "654321");
        assertTrue(new String(Base64.getUrlDecoder().decode(after.split("\\.")[0]), StandardCharsets.UTF_8)
                .contains("\"kid\":\"k2\""), "the first key seals");
        assertEquals(Optional.of("123456"), rotated.openCode(before, use()).value());
        assertEquals(Optional.of("SMS:+15555550123"), rotated.openNotice(noticeBefore, notice()).value());
        assertEquals(Optional.of("654321"), rotated.openCode(after, use()).value());
        assertUnreadable(seal.openCode(after, use()));
    }

    @Test
    void theKindKeysAreHkdfSha256WithoutSalt() {
        // RFC 5869, test case 3 (no salt, empty info): the first 32 bytes of its OKM.
        byte[] inputKey = new byte[22];
        java.util.Arrays.fill(inputKey, (byte) 0x0b);
        assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d",
                java.util.HexFormat.of().formatHex(SealingKeys.hkdf(inputKey, "").getEncoded()));
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

    private void assertMismatch(String sealed, CodeUse stated, String field) {
        Opening opening = seal.openCode(sealed, stated);
        Opening.Refused refused = assertInstanceOf(Opening.Refused.class, opening, field);
        assertEquals(Opening.MISMATCH, refused.reason(), field);
        assertEquals(List.of(field), refused.fields());
        assertEquals(Optional.empty(), opening.value());
    }

    private void assertNoticeMismatch(String sealed, NoticeUse stated, String field) {
        Opening.Refused refused = assertInstanceOf(Opening.Refused.class, seal.openNotice(sealed, stated), field);
        assertEquals(List.of(field), refused.fields());
    }

    private static void assertUnreadable(Opening opening) {
        Opening.Refused refused = assertInstanceOf(Opening.Refused.class, opening);
        assertEquals(Opening.UNREADABLE, refused.reason());
        assertEquals(Optional.empty(), opening.value());
    }

    private static CodeUse with(CodeUse u, String tenant, String challenge, String user, List<Channel> channels,
                                String destination, Purpose purpose, int sendAttempt) {
        return new CodeUse(tenant, challenge, user, channels, destination, purpose, sendAttempt, u.expiresAt(),
                u.locale(), u.amount(), u.payee());
    }

    /** The form written before the JWE one: AES-GCM under the configured key, AAD tenant:challenge. */
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
