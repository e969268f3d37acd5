package io.keystep.risk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

import io.keystep.risk.domain.TrustedDeviceTokens;

/** Issues trusted-device tokens exactly as challenge-service does, with the JDK's Ed25519, for the tests. */
final class DeviceTokenSigner {

    static final String PRIVATE_KEY_PROPERTY = "keystep.test.trusted-devices.private-key";
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    private final PrivateKey key;

    DeviceTokenSigner(PrivateKey key) {
        this.key = key;
    }

    /** The signer whose public key the running service was given. */
    static DeviceTokenSigner ofService() {
        String encoded = System.getProperty(PRIVATE_KEY_PROPERTY);
        if (encoded == null) {
            throw new IllegalStateException("TrustedDeviceKeyTestResource did not run");
        }
        try {
            return new DeviceTokenSigner(KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(encoded))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String encodePublic(KeyPair pair) {
        return Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }

    static String encodePrivate(KeyPair pair) {
        return Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded());
    }

    /** {@code v1.<b64url(payload)>.<b64url(sig)>}, payload {@code tenant|user|sha256hex(fp)|deviceId|expiresAt}. */
    String token(String tenant, String user, String fingerprint, String deviceId, Instant expiresAt) {
        return signed(tenant + "|" + user + "|" + TrustedDeviceTokens.sha256Hex(fingerprint) + "|" + deviceId + "|"
                + expiresAt.getEpochSecond());
    }

    /** A token over any payload text, to build malformed ones that are still properly signed. */
    String signed(String payload) {
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
}
