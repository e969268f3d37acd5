package io.keystep.challenge.config;

import io.smallrye.config.ConfigMapping;

import java.util.List;

/**
 * Keys that seal codes for delivery workers: {@code <keyId>:<base64 32-byte key>} entries, the first one
 * active. No default: a missing key stops start-up.
 */
@ConfigMapping(prefix = "keystep.sealing")
public interface SealingConfig {

    List<String> keys();
}
