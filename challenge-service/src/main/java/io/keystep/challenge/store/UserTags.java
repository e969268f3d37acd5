package io.keystep.challenge.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The Redis hash tag of a user's challenge state: the user's challenges, their active index, lockout and failures
 * carry the same tag, so that every script a check or a send runs finds its keys in one slot of a Redis Cluster,
 * and different users' state spreads over the cluster's primaries.
 * <p>
 * A check names only the challenge, so the challenge's id carries its user's tag: a random UUID whose first four
 * hex digits are the tag (106 random bits are left, far beyond guessing). The tag is four hex digits of SHA-256
 * over tenant and subject: 65,536 tags over Redis Cluster's 16,384 slots. It is not a secret and protects nothing;
 * it only places keys.
 */
public final class UserTags {

    static final int LENGTH = 4;

    private UserTags() {
    }

    /** The tag of one tenant's subject (a user id, or the pseudonym of an anonymous destination). */
    public static String of(String tenantId, String subject) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((tenantId + '\n' + subject).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, LENGTH / 2);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** A new challenge id for this subject: a random UUID that starts with the subject's tag. */
    public static String newChallengeId(String tenantId, String subject) {
        return of(tenantId, subject) + UUID.randomUUID().toString().substring(LENGTH);
    }

    /** The tag a challenge id carries (an id too short to carry one is its own tag, and names no challenge). */
    static String ofChallenge(String challengeId) {
        return challengeId.length() >= LENGTH ? challengeId.substring(0, LENGTH) : challengeId;
    }
}
