package io.keystep.risk;

import io.keystep.risk.domain.TrustedDeviceTokens;
import io.keystep.risk.domain.TrustedDeviceTokens.Verdict;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token format challenge-service issues, judged with keys generated here. */
class TrustedDeviceTokensTest {

    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final Instant LATER = NOW.plus(Duration.ofDays(30));

    private final KeyPair pair = DeviceTokenSigner.generate();
    private final DeviceTokenSigner signer = new DeviceTokenSigner(pair.getPrivate());
    private final TrustedDeviceTokens tokens = TrustedDeviceTokens.withKeys(List.of(DeviceTokenSigner.encodePublic(pair)));

    private Verdict verdict(String token) {
        return tokens.check(token, "acme", "alice", "fp-laptop", NOW).verdict();
    }

    @Test
    void aTokenForThisLoginIsValidAndNamesItsDevice() {
        TrustedDeviceTokens.Check check = tokens.check(signer.token("acme", "alice", "fp-laptop", "dev-1", LATER),
                "acme", "alice", "fp-laptop", NOW);
        assertEquals(Verdict.VALID, check.verdict());
        assertEquals("dev-1", check.deviceId());
    }

    @Test
    void aTokenPastItsExpiryIsExpiredAtTheVerySecond() {
        assertEquals(Verdict.EXPIRED, verdict(signer.token("acme", "alice", "fp-laptop", "dev-1", NOW)));
        assertEquals(Verdict.VALID, verdict(signer.token("acme", "alice", "fp-laptop", "dev-1", NOW.plusSeconds(1))));
    }

    @Test
    void anotherUsersTenantsOrDevicesTokenIsTheWrongLogin() {
        assertEquals(Verdict.WRONG_LOGIN, verdict(signer.token("acme", "bob", "fp-laptop", "dev-1", LATER)));
        assertEquals(Verdict.WRONG_LOGIN, verdict(signer.token("other", "alice", "fp-laptop", "dev-1", LATER)));
        assertEquals(Verdict.WRONG_LOGIN, verdict(signer.token("acme", "alice", "fp-phone", "dev-1", LATER)));
    }

    @Test
    void aTokenSignedByAnotherKeyOrAlteredIsForged() {
        DeviceTokenSigner stranger = new DeviceTokenSigner(DeviceTokenSigner.generate().getPrivate());
        assertEquals(Verdict.FORGED, verdict(stranger.token("acme", "alice", "fp-laptop", "dev-1", LATER)));

        String genuine = signer.token("acme", "bob", "fp-laptop", "dev-1", LATER);
        String[] parts = genuine.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("|bob|", "|alice|");
        String altered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes())
                + "." + parts[2];
        TrustedDeviceTokens.Check check = tokens.check(altered, "acme", "alice", "fp-laptop", NOW);
        assertEquals(Verdict.FORGED, check.verdict());
        assertNull(check.deviceId(), "nothing of a forged token is believed");
    }

    @Test
    void anythingNotOfTheFormatIsMalformedAndNeverThrows() {
        String genuine = signer.token("acme", "alice", "fp-laptop", "dev-1", LATER);
        for (String token : List.of("", "garbage", "v1..", "v1.!!!.???", "v2" + genuine.substring(2),
                genuine + ".extra", genuine.substring(0, genuine.lastIndexOf('.')), genuine + "==",
                "v1." + "A".repeat(5000) + ".AA",
                signer.signed("acme|alice|" + TrustedDeviceTokens.sha256Hex("fp-laptop") + "|dev-1"),
                signer.signed("acme|alice|" + TrustedDeviceTokens.sha256Hex("fp-laptop") + "|dev-1|soon"),
                signer.signed("acme|alice|" + TrustedDeviceTokens.sha256Hex("fp-laptop") + "||" + LATER.getEpochSecond()))) {
            assertEquals(Verdict.MALFORMED, verdict(token), token);
        }
        assertEquals(Verdict.MALFORMED, tokens.check(null, "acme", "alice", "fp", NOW).verdict());
    }

    @Test
    void aShortSignatureIsForgedNotAnError() {
        String genuine = signer.token("acme", "alice", "fp-laptop", "dev-1", LATER);
        assertEquals(Verdict.FORGED, verdict(genuine.substring(0, genuine.lastIndexOf('.')) + ".AAAA"));
    }

    @Test
    void duringARotationTokensOfEitherKeyAreValid() {
        KeyPair next = DeviceTokenSigner.generate();
        TrustedDeviceTokens both = TrustedDeviceTokens.withKeys(List.of(DeviceTokenSigner.encodePublic(pair),
                DeviceTokenSigner.encodePublic(next)));
        String old = signer.token("acme", "alice", "fp-laptop", "dev-1", LATER);
        String fresh = new DeviceTokenSigner(next.getPrivate()).token("acme", "alice", "fp-laptop", "dev-2", LATER);
        assertEquals(Verdict.VALID, both.check(old, "acme", "alice", "fp-laptop", NOW).verdict());
        assertEquals(Verdict.VALID, both.check(fresh, "acme", "alice", "fp-laptop", NOW).verdict());
        assertEquals(2, both.keyCount());
    }

    @Test
    void aPemArmouredKeyIsAccepted() {
        String pem = "-----BEGIN PUBLIC KEY-----\n" + DeviceTokenSigner.encodePublic(pair) + "\n-----END PUBLIC KEY-----";
        assertEquals(Verdict.VALID, TrustedDeviceTokens.withKeys(List.of(pem))
                .check(signer.token("acme", "alice", "fp-laptop", "dev-1", LATER), "acme", "alice", "fp-laptop", NOW)
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
    }

    private static String rsaPublicKey() {
        try {
            var generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            return Base64.getEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
