package io.keystep.audit.domain;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

/**
 * Signs chain heads with Ed25519 (JDK only). The signed text names the tenant, the sequence number, the head hash
 * and the time, so that a copy of the checkpoint kept elsewhere proves the chain up to that row.
 */
public final class CheckpointSigner {

    public static final String ALGORITHM = "Ed25519";

    private final PrivateKey privateKey;

    /** @param pkcs8Base64 the private key, PKCS#8 DER, base64 */
    public CheckpointSigner(String pkcs8Base64) {
        try {
            this.privateKey = KeyFactory.getInstance(ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pkcs8Base64.trim())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("keystep.audit.checkpoint.private-key is not an Ed25519 PKCS#8 key");
        }
    }

    /** The text that is signed. */
    public static String signedText(String tenantId, long chainSeq, String headHash, Instant signedAt) {
        return "keystep-audit-checkpoint|v1|" + tenantId + "|" + chainSeq + "|" + headHash + "|" + signedAt;
    }

    /** Base64 signature of the checkpoint. */
    public String sign(String tenantId, long chainSeq, String headHash, Instant signedAt) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(privateKey);
            signature.update(signedText(tenantId, chainSeq, headHash, signedAt).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** Checks a checkpoint's signature with an X.509 (base64) public key. */
    public static boolean verify(String publicKeyBase64, String tenantId, long chainSeq, String headHash,
                                 Instant signedAt, String signatureBase64) {
        try {
            PublicKey key = KeyFactory.getInstance(ALGORITHM)
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKeyBase64.trim())));
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initVerify(key);
            signature.update(signedText(tenantId, chainSeq, headHash, signedAt).getBytes(StandardCharsets.UTF_8));
            return signature.verify(Base64.getDecoder().decode(signatureBase64));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
