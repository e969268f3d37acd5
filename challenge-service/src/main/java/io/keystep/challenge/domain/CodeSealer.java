package io.keystep.challenge.domain;

import io.keystep.challenge.config.SealingConfig;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * Seals a code for delivery workers: AES-256-GCM under the first configured key, 12-byte random nonce, 128-bit
 * tag, the tenant and challenge as associated data so that a sealed code cannot be replayed on another
 * challenge. Form: {@code v1.<keyId>.<base64url(nonce || ciphertext+tag)>}.
 */
// Built at start-up, so that a weak or malformed secret stops the service instead of its first request.
@io.quarkus.runtime.Startup
@ApplicationScoped
public class CodeSealer {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final String keyId;
    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public CodeSealer(SealingConfig config) {
        List<String> keys = config.keys();
        if (keys == null || keys.isEmpty()) {
            throw new IllegalStateException("keystep.sealing.keys names no key");
        }
        String active = keys.get(0).trim();
        int colon = active.indexOf(':');
        if (colon < 1) {
            throw new IllegalStateException("keystep.sealing.keys entries must be <keyId>:<base64 key>");
        }
        this.keyId = active.substring(0, colon);
        if (!keyId.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalStateException("a sealing key id may hold only letters, digits, '_' and '-'");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(active.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("sealing key " + keyId + " is not valid base64");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("sealing key " + keyId + " must be 32 bytes (AES-256)");
        }
        this.key = new SecretKeySpec(raw, "AES");
    }

    /** The sealed form of {@code code} for this tenant's challenge. */
    public String seal(String tenantId, String challengeId, String code) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD((tenantId + ":" + challengeId).getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(code.getBytes(StandardCharsets.UTF_8));
            byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return "v1." + keyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }
}
