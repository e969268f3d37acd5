package io.keystep.risk;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.security.KeyPair;
import java.util.Map;

/**
 * Gives the service a public key of an Ed25519 pair generated for this test run; the tests sign tokens with the
 * private half, like challenge-service would. The private key is handed over in a JVM system property because the
 * resource and the tests may be loaded by different class loaders.
 */
public class TrustedDeviceKeyTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        KeyPair pair = DeviceTokenSigner.generate();
        System.setProperty(DeviceTokenSigner.PRIVATE_KEY_PROPERTY, DeviceTokenSigner.encodePrivate(pair));
        return Map.of("keystep.trusted-devices.public-key", DeviceTokenSigner.encodePublic(pair));
    }

    @Override
    public void stop() {
        System.clearProperty(DeviceTokenSigner.PRIVATE_KEY_PROPERTY);
    }
}
