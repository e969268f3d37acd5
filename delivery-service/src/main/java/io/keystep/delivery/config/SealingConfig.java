package io.keystep.delivery.config;

import io.smallrye.config.ConfigMapping;

/** The keys that open sealed codes. No default outside tests: without keys the service does not start. */
@ConfigMapping(prefix = "keystep.sealing")
public interface SealingConfig {

    /** Comma-separated {@code <keyId>:<base64 32-byte key>}; every listed key can open, the id picks one. */
    String keys();
}
