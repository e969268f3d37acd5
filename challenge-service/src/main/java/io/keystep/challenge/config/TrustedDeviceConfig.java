package io.keystep.challenge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Trusted-device tokens. {@code keystep.trusted-devices.signing-key} (env
 * {@code KEYSTEP_TRUSTED_DEVICES_SIGNING_KEY}): the Ed25519 private key, PKCS#8 DER in base64. No default: a missing
 * key stops start-up. risk-service verifies with the matching public key ({@code keystep.trusted-devices.public-key},
 * X.509 DER in base64).
 */
@ConfigMapping(prefix = "keystep.trusted-devices")
public interface TrustedDeviceConfig {

    String signingKey();

    /** How long a device stays trusted. */
    @WithDefault("P30D")
    Duration ttl();

    /**
     * How long after a login verification's approval its device may still be trusted (once): the gateway asks
     * right after the approval, so a verification found later cannot mint a token.
     */
    @WithDefault("PT5M")
    Duration trustWindow();
}
