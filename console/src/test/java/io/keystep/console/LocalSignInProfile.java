package io.keystep.console;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * The console as the local run starts it: the sign-in form, a key of its own for this test run, and services that
 * cannot be reached (port 1), so that every screen shows the refusal it gets rather than data.
 */
public class LocalSignInProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "keystep.console.sign-in", "local",
                "quarkus.oidc.tenant-enabled", "false",
                "keystep.console.local-issuer.private-key", privateKey(),
                "keystep.console.services.risk", "http://127.0.0.1:1",
                "keystep.console.services.challenge", "http://127.0.0.1:1",
                "keystep.console.services.delivery", "http://127.0.0.1:1",
                "keystep.console.services.audit", "http://127.0.0.1:1");
    }

    private static String privateKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair keys = generator.generateKeyPair();
            return Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
