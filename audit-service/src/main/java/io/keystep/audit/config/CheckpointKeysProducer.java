package io.keystep.audit.config;

import io.keystep.audit.domain.CheckpointKeys;
import io.keystep.audit.domain.CheckpointSigner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.time.Instant;

/** The configured public keys that checkpoints are checked with; the signing key must match its public key. */
public class CheckpointKeysProducer {

    @Produces
    @ApplicationScoped
    CheckpointKeys keys(AuditConfig config) {
        AuditConfig.Checkpoint checkpoint = config.checkpoint();
        CheckpointKeys keys = new CheckpointKeys(checkpoint.keyId(), checkpoint.publicKey(),
                checkpoint.previousPublicKeys());
        // a public key that is not the signer's would let no checkpoint verify: refuse to start instead
        Instant probe = Instant.EPOCH;
        String signature = new CheckpointSigner(checkpoint.privateKey()).sign("key-check", 0, "0", probe);
        if (!keys.verifies(checkpoint.keyId(), "key-check", 0, "0", probe, signature)) {
            throw new IllegalStateException("keystep.audit.checkpoint.public-key is not the public key of"
                    + " keystep.audit.checkpoint.private-key");
        }
        return keys;
    }
}
