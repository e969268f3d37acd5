package io.keystep.challenge.factors;

import io.keystep.challenge.config.FactorConfig;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encrypts factor secrets at rest: AES-256-GCM, 12-byte random nonce, 128-bit tag, associated data
 * {@code tenant:factorId} (a ciphertext copied onto another factor does not decrypt). Form
 * {@code v1.<keyId>.<base64url(nonce || ciphertext+tag)>}; the first configured key encrypts, all decrypt.
 */
@io.quarkus.runtime.Startup
@ApplicationScoped
public class FactorSecretCipher {

    private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
    private final String activeKeyId;
    private final SecureRandom random = new SecureRandom();

    public FactorSecretCipher(FactorConfig config) {
        if (config.encryptionKeys() == null || config.encryptionKeys().isEmpty()) {
            throw new IllegalStateException("keystep.factors.encryption-keys names no key");
        }
        for (String entry : config.encryptionKeys()) {
            String e = entry.trim();
            int colon = e.indexOf(':');
            if (colon < 1 || !e.substring(0, colon).matches("[A-Za-z0-9_-]+")) {
                throw new IllegalStateException("keystep.factors.encryption-keys entries must be <keyId>:<base64 key>");
            }
            String id = e.substring(0, colon);
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(e.substring(colon + 1));
            } catch (IllegalArgumentException ex) {
                throw new IllegalStateException("factor encryption key " + id + " is not valid base64");
            }
            if (raw.length != 32) {
                throw new IllegalStateException("factor encryption key " + id + " must be 32 bytes (AES-256)");
            }
            keys.put(id, new SecretKeySpec(raw, "AES"));
        }
        this.activeKeyId = keys.keySet().iterator().next();
    }

    public String encrypt(String tenantId, String factorId, byte[] secret) {
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad(tenantId, factorId));
            byte[] sealed = cipher.doFinal(secret);
            byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return "v1." + activeKeyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    public byte[] decrypt(String tenantId, String factorId, String stored) {
        String[] parts = stored.split("\\.");
        if (parts.length != 3 || !"v1".equals(parts[0]) || !keys.containsKey(parts[1])) {
            throw new IllegalStateException("factor secret under an unknown format or key");
        }
        byte[] in = Base64.getUrlDecoder().decode(parts[2]);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, keys.get(parts[1]), new GCMParameterSpec(128, in, 0, 12));
            cipher.updateAAD(aad(tenantId, factorId));
            return cipher.doFinal(in, 12, in.length - 12);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("factor secret does not decrypt", e);
        }
    }

    private static byte[] aad(String tenantId, String factorId) {
        return (tenantId + ":" + factorId).getBytes(StandardCharsets.UTF_8);
    }
}
