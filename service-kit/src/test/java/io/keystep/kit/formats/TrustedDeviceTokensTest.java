package io.keystep.kit.formats;

import io.keystep.kit.formats.TrustedDeviceTokens.Check;
import io.keystep.kit.formats.TrustedDeviceTokens.Signer;
import io.keystep.kit.formats.TrustedDeviceTokens.Verdict;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both halves of the trusted-device token: challenge-service signs, risk-service judges with the public key. */
class TrustedDeviceTokensTest {

    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final Instant LATER = NOW.plus(Duration.ofDays(30));
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    private final KeyPair pair = generate();
    private final Signer signer = new Signer(pair.getPrivate());
    private final TrustedDeviceTokens tokens = TrustedDeviceTokens.withKeys(List.of(encodePublic(pair)));

    private Verdict verdict(String token) {
        return tokens.check(token, "acme", "alice", "fp-laptop", NOW).verdict();
    }

    @Test
    void aTokenForThisLoginIsValidAndNamesItsDevice() {
        Check check = tokens.check(signer.sign("acme", "alice", "fp-laptop", "dev-1", LATER),
                "acme", "alice", "fp-laptop", NOW);
        assertEquals(Verdict.VALID, check.verdict());
        assertEquals("dev-1", check.deviceId());
    }

    @Test
    void theTokenIsACompactEdDsaJwsThatCarriesNoFingerprintInClear() {
        String token = signer.sign("acme", "alice", "fp-laptop", "dev-1", LATER);
        String[] parts = token.split("\\.", -1);
        assertEquals(3, parts.length);
        assertTrue(decode(parts[0]).contains("\"alg\":\"EdDSA\""), decode(parts[0]));
        String claims = decode(parts[1]);
        assertTrue(claims.contains("\"sub\":\"alice\"") && claims.contains("\"tid\":\"acme\"")
                && claims.contains("\"exp\":" + LATER.getEpochSecond()), claims);
        assertTrue(claims.contains(TrustedDeviceTokens.sha256Hex("fp-laptop")), claims);
        assertFalse(claims.contains("fp-laptop"), claims);
    }

    @Test
    void aTokenPastItsExpiryIsExpiredAtTheVerySecond() {
        assertEquals(Verdict.EXPIRED, verdict(signer.sign("acme", "alice", "fp-laptop", "dev-1", NOW)));
        assertEquals(Verdict.VALID, verdict(signer.sign("acme", "alice", "fp-laptop", "dev-1", NOW.plusSeconds(1))));
    }

    @Test
    void anotherUsersTenantsOrDevicesTokenIsTheWrongLogin() {
        assertEquals(Verdict.WRONG_LOGIN, verdict(signer.sign("acme", "bob", "fp-laptop", "dev-1", LATER)));
        assertEquals(Verdict.WRONG_LOGIN, verdict(signer.sign("other", "alice", "fp-laptop", "dev-1", LATER)));
        assertEquals(Verdict.WRONG_LOGIN, verdict(signer.sign("acme", "alice", "fp-phone", "dev-1", LATER)));
    }

    @Test
    void aTokenSignedByAnotherKeyOrAlteredIsForged() {
        Signer stranger = new Signer(generate().getPrivate());
        assertEquals(Verdict.FORGED, verdict(stranger.sign("acme", "alice", "fp-laptop", "dev-1", LATER)));

        String genuine = signer.sign("acme", "bob", "fp-laptop", "dev-1", LATER);
        String[] parts = genuine.split("\\.");
        String altered = parts[0] + "." + URL.encodeToString(decode(parts[1]).replace("\"bob\"", "\"alice\"")
                .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        Check check = tokens.check(altered, "acme", "alice", "fp-laptop", NOW);
        assertEquals(Verdict.FORGED, check.verdict());
        assertNull(check.deviceId(), "nothing of a forged token is believed");
    }

    @Test
    void anythingNotOfTheFormatIsMalformedAndNeverThrows() throws Exception {
        String genuine = signer.sign("acme", "alice", "fp-laptop", "dev-1", LATER);
        String fph = TrustedDeviceTokens.sha256Hex("fp-laptop");
        for (String token : List.of("", "garbage", "..", "a..", "!!!.???.x", genuine + ".extra",
                genuine.substring(0, genuine.lastIndexOf('.')), genuine + "==", "e30." + "A".repeat(5000) + ".AA",
                "eyJhbGciOiJub25lIn0." + genuine.split("\\.")[1] + ".AA",
                jws(pair.getPrivate(), "{\"tid\":\"acme\",\"sub\":\"alice\",\"fph\":\"" + fph + "\",\"exp\":"
                        + LATER.getEpochSecond() + "}"),
                jws(pair.getPrivate(), "{\"tid\":\"acme\",\"sub\":\"alice\",\"fph\":\"" + fph
                        + "\",\"did\":\"dev-1\",\"exp\":\"soon\"}"),
                jws(pair.getPrivate(), "{\"tid\":\"acme\",\"sub\":\"alice\",\"fph\":\"" + fph
                        + "\",\"did\":\"\",\"exp\":" + LATER.getEpochSecond() + "}"),
                jws(pair.getPrivate(), "not json"))) {
            assertEquals(Verdict.MALFORMED, verdict(token), token);
        }
        assertEquals(Verdict.MALFORMED, tokens.check(null, "acme", "alice", "fp", NOW).verdict());
    }

    @Test
    void aShortSignatureIsForgedNotAnError() {
        String genuine = signer.sign("acme", "alice", "fp-laptop", "dev-1", LATER);
        assertEquals(Verdict.FORGED, verdict(genuine.substring(0, genuine.lastIndexOf('.')) + ".AAAA"));
    }

    @Test
    void duringARotationTokensOfEitherKeyAreValid() {
        KeyPair next = generate();
        TrustedDeviceTokens both = TrustedDeviceTokens.withKeys(List.of(encodePublic(pair), encodePublic(next)));
        String old = signer.sign("acme", "alice", "fp-laptop", "dev-1", LATER);
        String fresh = new Signer(next.getPrivate()).sign("acme", "alice", "fp-laptop", "dev-2", LATER);
        assertEquals(Verdict.VALID, both.check(old, "acme", "alice", "fp-laptop", NOW).verdict());
        assertEquals(Verdict.VALID, both.check(fresh, "acme", "alice", "fp-laptop", NOW).verdict());
        assertEquals(2, both.keyCount());
    }

    @Test
    void aPemArmouredKeyIsAccepted() {
        String pem = "-----BEGIN PUBLIC KEY-----\n" + encodePublic(pair) + "\n-----END PUBLIC KEY-----";
        assertEquals(Verdict.VALID, TrustedDeviceTokens.withKeys(List.of(pem))
                .check(signer.sign("acme", "alice", "fp-laptop", "dev-1", LATER), "acme", "alice", "fp-laptop", NOW)
                .verdict());
    }

    @Test
    void withoutKeysTokensAreNotChecked() {
        assertFalse(TrustedDeviceTokens.withKeys(List.of()).enabled());
        assertTrue(tokens.enabled());
    }

    @Test
    void aConfiguredValueThatIsNoEd25519KeyStopsTheStartWithoutEchoingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrustedDeviceTokens.withKeys(List.of("bm90IGEga2V5")));
        assertFalse(e.getMessage().contains("bm90IGEga2V5"));
        // an RSA key is a proper X.509 key of the wrong kind
        assertThrows(IllegalArgumentException.class, () -> TrustedDeviceTokens.withKeys(List.of(rsaPublicKey())));
        IllegalStateException signing = assertThrows(IllegalStateException.class, () -> Signer.fromPkcs8("bm90IGEga2V5"));
        assertFalse(signing.getMessage().contains("bm90IGEga2V5"));
        String pkcs8 = Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded());
        assertEquals(Verdict.VALID, verdict(Signer.fromPkcs8(pkcs8).sign("acme", "alice", "fp-laptop", "d", LATER)));
    }

    // Tokens issued before the JWS form live 30 days: they are still judged exactly as before.

    @Test
    void anEarlierV1TokenIsJudgedAsBefore() {
        assertEquals(Verdict.VALID, verdict(v1(pair.getPrivate(), "acme", "alice", "fp-laptop", "dev-1", LATER)));
        Check check = tokens.check(v1(pair.getPrivate(), "acme", "alice", "fp-laptop", "dev-1", LATER),
                "acme", "alice", "fp-laptop", NOW);
        assertEquals("dev-1", check.deviceId());
        assertEquals(Verdict.EXPIRED, verdict(v1(pair.getPrivate(), "acme", "alice", "fp-laptop", "dev-1", NOW)));
        assertEquals(Verdict.WRONG_LOGIN, verdict(v1(pair.getPrivate(), "acme", "bob", "fp-laptop", "dev-1", LATER)));
        assertEquals(Verdict.WRONG_LOGIN, verdict(v1(pair.getPrivate(), "other", "alice", "fp-laptop", "d", LATER)));
        assertEquals(Verdict.WRONG_LOGIN, verdict(v1(pair.getPrivate(), "acme", "alice", "fp-phone", "d", LATER)));
        assertEquals(Verdict.FORGED, verdict(v1(generate().getPrivate(), "acme", "alice", "fp-laptop", "d", LATER)));

        String genuine = v1(pair.getPrivate(), "acme", "bob", "fp-laptop", "dev-1", LATER);
        String[] parts = genuine.split("\\.");
        String altered = parts[0] + "." + URL.encodeToString(decode(parts[1]).replace("|bob|", "|alice|")
                .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertEquals(Verdict.FORGED, verdict(altered));
        assertNull(tokens.check(altered, "acme", "alice", "fp-laptop", NOW).deviceId());
        String good = v1(pair.getPrivate(), "acme", "alice", "fp-laptop", "dev-1", LATER);
        assertEquals(Verdict.FORGED, verdict(good.substring(0, good.lastIndexOf('.')) + ".AAAA"));
    }

    @Test
    void anEarlierV1TokenNotOfItsFormatIsMalformed() {
        String genuine = v1(pair.getPrivate(), "acme", "alice", "fp-laptop", "dev-1", LATER);
        String fph = TrustedDeviceTokens.sha256Hex("fp-laptop");
        for (String token : List.of("v1..", "v1.!!!.???", "v2" + genuine.substring(2), genuine + ".extra",
                genuine.substring(0, genuine.lastIndexOf('.')), genuine + "==", "v1." + "A".repeat(5000) + ".AA",
                v1Signed(pair.getPrivate(), "acme|alice|" + fph + "|dev-1"),
                v1Signed(pair.getPrivate(), "acme|alice|" + fph + "|dev-1|soon"),
                v1Signed(pair.getPrivate(), "acme|alice|" + fph + "||" + LATER.getEpochSecond()))) {
            assertEquals(Verdict.MALFORMED, verdict(token), token);
        }
    }

    private static String v1(PrivateKey key, String tenant, String user, String fingerprint, String deviceId,
                             Instant expiresAt) {
        return v1Signed(key, tenant + "|" + user + "|" + TrustedDeviceTokens.sha256Hex(fingerprint) + "|" + deviceId
                + "|" + expiresAt.getEpochSecond());
    }

    /** {@code v1.<b64url(payload)>.<b64url(Ed25519 signature)>}, as challenge-service issued it before. */
    private static String v1Signed(PrivateKey key, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(key);
            signature.update(bytes);
            return "v1." + URL.encodeToString(bytes) + "." + URL.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A properly signed EdDSA JWS over any payload, to build tokens whose claims are wrong. */
    private static String jws(PrivateKey key, String payload) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.EDDSA);
        jws.setPayload(payload);
        jws.setKey(key);
        return jws.getCompactSerialization();
    }

    private static String decode(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encodePublic(KeyPair pair) {
        return Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }

    private static String rsaPublicKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            return Base64.getEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
