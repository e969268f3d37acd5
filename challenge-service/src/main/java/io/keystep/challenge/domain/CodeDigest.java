package io.keystep.challenge.domain;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The keyed hash that stands in for a code wherever it is stored: HMAC-SHA256 under the server's pepper over
 * {@code tenant|challengeId|code}, so that a copy of Redis alone cannot be brute-forced offline and a digest
 * of one challenge is worthless for another.
 */
public class CodeDigest {

    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    /** Keys the digest with {@code codePepper}, base64 of at least 32 bytes ({@code keystep.challenge.code-pepper}). */
    public CodeDigest(String codePepper) {
        byte[] pepper;
        try {
            pepper = Base64.getDecoder().decode(codePepper.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("keystep.challenge.code-pepper is not valid base64");
        }
        if (pepper.length < 32) {
            throw new IllegalStateException("keystep.challenge.code-pepper must hold at least 32 bytes");
        }
        this.key = new SecretKeySpec(pepper, ALGORITHM);
    }

    /** Hex digest of a login challenge's code. */
    public String digest(String tenantId, String challengeId, String code) {
        return digest(tenantId + "|" + challengeId + "|" + code);
    }

    /**
     * Hex digest of a code bound to extra context (for example a transaction's amount and payee): presenting the
     * right code with another context gives another digest and so fails the comparison.
     */
    public String digest(String tenantId, String challengeId, String code, String binding) {
        if (binding == null || binding.isEmpty()) {
            return digest(tenantId, challengeId, code);
        }
        return digest(tenantId + "|" + challengeId + "|" + code + "|" + binding);
    }

    /**
     * The value whose digest an authenticator verification holds: keyed by the server's pepper, so that no one
     * can present it; only a valid authenticator code makes the check present it.
     */
    public String authenticatorApproval(String tenantId, String challengeId) {
        return pseudonym(tenantId, "authenticator-approval|" + challengeId);
    }

    /**
     * The WebAuthn challenge of a verification answered with a passkey: derived under the server's pepper from the
     * verification, so that nothing needs storing, no one can predict it, and each verification has its own.
     */
    public byte[] passkeyChallenge(String tenantId, String challengeId) {
        return HexFormat.of().parseHex(digest("passkey-challenge|" + tenantId + "|" + challengeId));
    }

    /**
     * The WebAuthn user handle of a user: opaque (no user id or e-mail address reaches an authenticator), stable, and
     * another for each tenant.
     */
    public byte[] passkeyUserHandle(String tenantId, String userId) {
        return HexFormat.of().parseHex(digest("passkey-user|" + tenantId + "|" + userId));
    }

    /**
     * A stable pseudonym of a value (a destination, say) for use in keys and events instead of the value itself.
     */
    public String pseudonym(String tenantId, String value) {
        return digest("pseudonym|" + tenantId + "|" + value).substring(0, 32);
    }

    /**
     * The pseudonym of a destination, which its send limits and an anonymous verification's subject are keyed by:
     * an e-mail address's is its {@link EmailAddresses#mailbox}'s, so that every spelling of one mailbox shares it.
     */
    public String destinationPseudonym(String tenantId, String destination) {
        return pseudonym(tenantId, EmailAddresses.isEmail(destination) ? EmailAddresses.mailbox(destination)
                : destination);
    }

    private String digest(String input) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
