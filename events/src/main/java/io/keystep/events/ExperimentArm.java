package io.keystep.events;

import java.time.Instant;

/**
 * The arm of a tenant's signup experiment that decided a signup, carried by {@link RiskAssessed}. Arm {@code A}
 * challenges every signup the normal policy would allow; arm {@code B} applies the normal policy.
 *
 * @param experimentId the tenant's experiment
 * @param arm          {@code A} or {@code B}
 * @param pendingUntil for a challenged signup, when it counts as abandoned if no outcome came by then; null for a
 *                     signup that was not challenged
 */
public record ExperimentArm(String experimentId, String arm, Instant pendingUntil) {

    /** Arm A: every signup is challenged (a denial stays a denial). */
    public static final String CHALLENGE_ALL = "A";
    /** Arm B: the normal risk policy. */
    public static final String NORMAL_POLICY = "B";

    public ExperimentArm {
        Required.text(experimentId, "experimentId");
        if (!CHALLENGE_ALL.equals(arm) && !NORMAL_POLICY.equals(arm)) {
            throw new IllegalArgumentException("arm must be A or B");
        }
    }
}
