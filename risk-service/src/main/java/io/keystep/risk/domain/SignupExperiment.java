package io.keystep.risk.domain;

import io.keystep.events.Decision;
import io.keystep.events.ExperimentArm;
import io.keystep.events.Purpose;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A tenant's signup experiment: does requiring a second factor at signup change how many signups get through? Each
 * signup's user falls in arm A (every signup challenged) or arm B (the normal policy) by a stable hash of tenant,
 * experiment and user, arm A taking {@code armAShare} of the users. A stopped experiment assigns no one: every
 * signup is back under the normal policy, and what it measured stays readable.
 *
 * @param experimentId the experiment's name, chosen by the tenant
 * @param armAShare    the share of users in arm A, 0 to 1
 * @param running      whether signups are assigned to arms now
 * @param startedAt    when it was started (the latest start, for an experiment restarted under the same name)
 * @param stoppedAt    when it was stopped, null while it runs
 */
public record SignupExperiment(String experimentId, double armAShare, boolean running, Instant startedAt,
                               Instant stoppedAt) {

    private static final double TWO_TO_THE_53 = 0x1p53;

    /** The arm of {@code userId}'s signups while the experiment runs; the same user always lands in the same arm. */
    public String armFor(String tenantId, String userId) {
        return position(tenantId, experimentId, userId) < armAShare ? ExperimentArm.CHALLENGE_ALL
                : ExperimentArm.NORMAL_POLICY;
    }

    /** Whether the experiment decides this login: a signup while it runs. */
    public boolean decides(Purpose purpose) {
        return running && purpose == Purpose.SIGNUP;
    }

    /**
     * The live assessment under {@code arm}: arm A turns an ALLOW into a CHALLENGE (reason {@code SIGNUP_EXPERIMENT});
     * a CHALLENGE or a DENY stays what the policy decided, so the experiment never lets in a signup the policy
     * refuses. Arm B is the normal policy, unchanged.
     */
    public static Assessment apply(Assessment live, String arm) {
        if (!ExperimentArm.CHALLENGE_ALL.equals(arm) || live.decision() != Decision.ALLOW) {
            return live;
        }
        List<Reason> reasons = new ArrayList<>(live.reasons());
        reasons.add(Reason.SIGNUP_EXPERIMENT);
        return new Assessment(Decision.CHALLENGE, live.score(), reasons);
    }

    /**
     * Where the user falls in [0, 1): the first 53 bits of SHA-256 over the three ids, each preceded by its length so
     * that no two different triples hash the same text. Uniform, stable across restarts and instances.
     */
    static double position(String tenantId, String experimentId, String userId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(tenantId, experimentId, userId)) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
                sha.update(bytes);
            }
            long bits = ByteBuffer.wrap(sha.digest()).getLong() >>> 11;
            return bits / TWO_TO_THE_53;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
