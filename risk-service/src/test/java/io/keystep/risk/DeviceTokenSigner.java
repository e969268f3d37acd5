package io.keystep.risk;

import io.keystep.kit.formats.TrustedDeviceTokens;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

/** Issues trusted-device tokens exactly as challenge-service does (the kit's signer), for the tests. */
final class DeviceTokenSigner {

    static final String PRIVATE_KEY_PROPERTY = "keystep.test.trusted-devices.private-key";

    private final TrustedDeviceTokens.Signer signer;

    DeviceTokenSigner(PrivateKey key) {
        this.signer = new TrustedDeviceTokens.Signer(key);
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

    /** A token for this login's device, valid until {@code expiresAt}. */
    String token(String tenant, String user, String fingerprint, String deviceId, Instant expiresAt) {
        return signer.sign(tenant, user, fingerprint, deviceId, expiresAt);
    }

    /** A token for this login's device, issued at {@code issuedAt}, valid until {@code expiresAt}. */
    String token(String tenant, String user, String fingerprint, String deviceId, Instant issuedAt,
                 Instant expiresAt) {
        return signer.sign(tenant, user, fingerprint, deviceId, issuedAt, expiresAt);
    }
}
