package io.keystep.challenge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;

/**
 * Authenticator factors. {@code keystep.factors.encryption-keys} (env {@code KEYSTEP_FACTORS_ENCRYPTION_KEYS}):
 * {@code <keyId>:<base64 32-byte key>[,...]}, the first encrypts, every listed key decrypts (rotation). No
 * default: a missing key stops start-up.
 */
@ConfigMapping(prefix = "keystep.factors")
public interface FactorConfig {

    List<String> encryptionKeys();

    /** The issuer shown by authenticator apps. */
    @WithDefault("Keystep")
    String issuer();
}
