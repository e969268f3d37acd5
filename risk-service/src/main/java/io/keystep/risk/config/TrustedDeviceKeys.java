package io.keystep.risk.config;

import io.keystep.kit.formats.TrustedDeviceTokens;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;

/** Builds the trusted-device token verifier from configuration once, and says at start whether tokens count. */
@ApplicationScoped
public class TrustedDeviceKeys {

    private static final Logger LOG = Logger.getLogger(TrustedDeviceKeys.class);
    /** challenge-service's token lifetime: revocations must be remembered at least this long. */
    private static final Duration TOKEN_LIFETIME = Duration.ofDays(30);

    private final TrustedDeviceTokens tokens;

    public TrustedDeviceKeys(TrustedDevicesConfig config) {
        if (config.revocationMemory().compareTo(TOKEN_LIFETIME) < 0) {
            // Shorter would let a revoked device's token count again before it expires: refuse to start.
            throw new IllegalStateException("keystep.trusted-devices.revocation-memory must be at least "
                    + TOKEN_LIFETIME.toDays() + " days, the trusted-device token lifetime");
        }
        this.tokens = TrustedDeviceTokens.withKeys(config.publicKey().orElse(List.of()));
    }

    /** The verifier; disabled when no public key is configured. */
    @Produces
    @Singleton
    public TrustedDeviceTokens tokens() {
        return tokens;
    }

    void onStart(@Observes StartupEvent event) {
        if (!tokens.enabled()) {
            LOG.info("Trusted-device tokens are ignored: keystep.trusted-devices.public-key is not set");
        } else {
            LOG.infof("Trusted-device tokens are checked against %d Ed25519 key(s)", tokens.keyCount());
        }
    }
}
