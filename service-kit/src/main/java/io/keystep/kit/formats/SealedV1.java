package io.keystep.kit.formats;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads the seal written before {@link DeliverySeal} used JWE: {@code v1.<keyId>.<base64url(nonce || ct+tag)>},
 * AES-256-GCM, 12-byte nonce, AAD {@code tenantId:subjectId}. Nothing writes it any more.
 * <p>
 * Delete once every challenge-service runs the JWE writer and {@code challenge.issued.v1.dlq} and
 * {@code factor.changed.v1.dlq} hold no record older than that release: a job lives only as long as its code.
 */
final class SealedV1 {

    static final String PREFIX = "v1.";

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private SealedV1() {
    }

    static Optional<String> open(String sealed, String tenantId, String subjectId, SealingKeys keys) {
        String[] parts = sealed.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        Optional<SecretKey> key = keys.byId(parts[1]);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        try {
            byte[] box = Base64.getUrlDecoder().decode(parts[2]);
            if (box.length <= NONCE_BYTES + TAG_BITS / 8) {
                return Optional.empty();
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, box, 0, NONCE_BYTES));
            cipher.updateAAD((tenantId + ":" + subjectId).getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(box, NONCE_BYTES, box.length - NONCE_BYTES);
            return Optional.of(new String(plain, StandardCharsets.UTF_8));
        } catch (AEADBadTagException | IllegalArgumentException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }
}
