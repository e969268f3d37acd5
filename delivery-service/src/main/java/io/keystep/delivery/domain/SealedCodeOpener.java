package io.keystep.delivery.domain;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Opens codes sealed by challenge-service: AES-256-GCM, 12-byte nonce, 128-bit tag, AAD
 * {@code tenantId:challengeId}, string form {@code v1.<keyId>.<base64url(nonce || ciphertext+tag)>}.
 * The key is chosen by the id in the sealed string, so that rotated-out keys keep opening older jobs.
 */
public final class SealedCodeOpener {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Map<String, SecretKeySpec> keys;
    /**
     * One cipher per thread, initialised afresh for every code: looking up the JCE provider is much dearer than the
     * decryption itself. Reusing a GCM cipher for decryption with a new nonce each time is allowed.
     */
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(SealedCodeOpener::newCipher);

    private SealedCodeOpener(Map<String, SecretKeySpec> keys) {
        this.keys = keys;
    }

    /** Reads {@code <keyId>:<base64 32-byte key>,...}; a malformed list stops start-up (fail closed). */
    public static SealedCodeOpener fromKeyList(String keyList) {
        if (keyList == null || keyList.isBlank()) {
            throw new IllegalArgumentException("keystep.sealing.keys names no key");
        }
        Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
        for (String entry : keyList.split(",")) {
            String trimmed = entry.trim();
            int colon = trimmed.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("keystep.sealing.keys: an entry is not <keyId>:<base64 key>");
            }
            String id = trimmed.substring(0, colon);
            byte[] key;
            try {
                key = Base64.getDecoder().decode(trimmed.substring(colon + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("keystep.sealing.keys: key " + id + " is not base64");
            }
            if (key.length != 32) {
                throw new IllegalArgumentException("keystep.sealing.keys: key " + id + " is not 32 bytes");
            }
            keys.put(id, new SecretKeySpec(key, "AES"));
        }
        return new SealedCodeOpener(Map.copyOf(keys));
    }

    /**
     * The plaintext code, or empty when the sealed string is malformed, names an unknown key, or does not
     * authenticate for this tenant and challenge. The reason is deliberately not distinguished to callers
     * beyond "does not open": the job is failed either way.
     */
    public Optional<String> open(String sealed, String tenantId, String challengeId) {
        if (sealed == null) {
            return Optional.empty();
        }
        String[] parts = sealed.split("\\.", -1);
        if (parts.length != 3 || !"v1".equals(parts[0])) {
            return Optional.empty();
        }
        SecretKeySpec key = keys.get(parts[1]);
        if (key == null) {
            return Optional.empty();
        }
        try {
            byte[] box = Base64.getUrlDecoder().decode(parts[2]);
            if (box.length <= NONCE_BYTES + TAG_BITS / 8) {
                return Optional.empty();
            }
            Cipher cipher = ciphers.get();
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, box, 0, NONCE_BYTES));
            cipher.updateAAD((tenantId + ":" + challengeId).getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(box, NONCE_BYTES, box.length - NONCE_BYTES);
            return Optional.of(new String(plain, StandardCharsets.UTF_8));
        } catch (AEADBadTagException | IllegalArgumentException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            // AES-GCM is mandatory in every JDK; reaching this means a broken runtime, not a bad job.
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }
}
