package io.keystep.audit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;

/**
 * The checkpoint signing key of this test JVM (made once, never a constant in the repository nor in the service's
 * jar): the service requires one, as in production.
 */
public class CheckpointKeyResource implements QuarkusTestResourceLifecycleManager {

    static final String PRIVATE = "keystep.test.audit-checkpoint-private-key";
    static final String PUBLIC = "keystep.test.audit-checkpoint-public-key";

    @Override
    public Map<String, String> start() {
        return properties();
    }

    @Override
    public void stop() {
        // the key lives as long as the JVM
    }

    /** The service's checkpoint key settings. */
    static Map<String, String> properties() {
        return Map.of("keystep.audit.checkpoint.private-key", privateKey(),
                "keystep.audit.checkpoint.public-key", publicKey());
    }

    static String privateKey() {
        generate();
        return System.getProperty(PRIVATE);
    }

    static String publicKey() {
        generate();
        return System.getProperty(PUBLIC);
    }

    /** One key pair for the whole JVM, whatever class loader asks (a test profile restarts the service in its own). */
    private static void generate() {
        synchronized (System.class) {
            if (System.getProperty(PRIVATE) != null) {
                return;
            }
            try {
                KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                System.setProperty(PUBLIC, Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
                System.setProperty(PRIVATE, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
