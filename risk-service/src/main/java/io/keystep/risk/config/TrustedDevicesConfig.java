package io.keystep.risk.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Trusted-device tokens issued by challenge-service and checked here ({@code KEYSTEP_TRUSTED_DEVICES_…}). */
@ConfigMapping(prefix = "keystep.trusted-devices")
public interface TrustedDevicesConfig {

    /**
     * challenge-service's Ed25519 public key, X.509 SubjectPublicKeyInfo DER in base64; several comma-separated
     * during a key rotation. Absent: tokens are ignored (said once at start). A value that is not such a key
     * stops the start.
     */
    Optional<List<String>> publicKey();

    /** How long a revoked device id is remembered; at least the lifetime of the tokens challenge-service issues. */
    @WithDefault("30D")
    Duration revocationMemory();
}
