package io.keystep.audit.domain;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The public keys that checkpoints are checked with, by key id: the signing key's and those of earlier signing keys.
 * They come from the configuration, never from the database, so that whoever can write the database cannot sign a
 * checkpoint that verifies.
 */
public final class CheckpointKeys {

    private final Map<String, String> publicKeys;

    /**
     * @param keyId     the id of the current signing key
     * @param publicKey its public key, X.509, base64
     * @param previous  public keys of earlier signing keys, by key id
     */
    public CheckpointKeys(String keyId, String publicKey, Map<String, String> previous) {
        Map<String, String> keys = new HashMap<>(previous);
        keys.put(keyId, publicKey);
        this.publicKeys = Map.copyOf(keys);
    }

    /** Whether the signature is the checkpoint's under the configured public key of {@code keyId}. */
    public boolean verifies(String keyId, String tenantId, long chainSeq, String headHash, Instant signedAt,
                            String signature) {
        String key = keyId == null ? null : publicKeys.get(keyId);
        return key != null && signature != null && headHash != null && signedAt != null
                && CheckpointSigner.verify(key, tenantId, chainSeq, headHash, signedAt, signature);
    }
}
