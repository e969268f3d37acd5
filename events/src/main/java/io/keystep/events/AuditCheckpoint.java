package io.keystep.events;

import java.time.Instant;

/**
 * A signed head of one tenant's audit hash chain. Topic {@link Topics#AUDIT_CHECKPOINT}: keep a copy of this topic
 * (or of these records) outside the audit database, and a later rewrite of the trail cannot match it.
 *
 * @param chainSeq  the sequence number of the chain head signed
 * @param headHash  the SHA-256 of the chain head, hex
 * @param signedAt  when it was signed
 * @param keyId     the id of the signing key
 * @param algorithm the signature algorithm, {@code Ed25519}
 * @param signature the signature, base64, over the text audit-service documents
 *                  ({@code GET /v1/audit/checkpoints} shows it with each checkpoint)
 */
public record AuditCheckpoint(long chainSeq, String headHash, Instant signedAt, String keyId, String algorithm,
                              String signature) {

    public static final String TYPE = "audit.checkpoint";

    public AuditCheckpoint {
        Required.text(headHash, "headHash");
        Required.value(signedAt, "signedAt");
        Required.text(keyId, "keyId");
        Required.text(algorithm, "algorithm");
        Required.text(signature, "signature");
    }
}
