package io.keystep.kit.formats;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;

/**
 * {@code keystep.sealing.keys} (env {@code KEYSTEP_SEALING_KEYS}), read by challenge-service (seals) and
 * delivery-service (opens). No default: a missing or malformed key stops start-up. A service that never injects
 * {@link DeliverySeal} never reads it (Quarkus registers a mapping only where it is injected).
 */
@ConfigMapping(prefix = "keystep.sealing")
public interface SealingConfig {

    /** {@code <keyId>:<base64 32-byte key>[,...]}, the first one sealing, every one opening. */
    @WithConverter(SealingKeys.ConfigConverter.class)
    SealingKeys keys();
}
