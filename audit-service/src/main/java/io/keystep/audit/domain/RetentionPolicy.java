package io.keystep.audit.domain;

import java.time.Duration;
import java.time.Instant;

/**
 * The operator's rules for a tenant's retention: never under {@code floorMonths}; a shortening only by the compliance
 * role and only {@code shorteningDelay} after it is asked for, so that it shows in the trail and can be undone before
 * any row goes; a lengthening at once.
 */
public record RetentionPolicy(int floorMonths, Duration shorteningDelay) {

    /**
     * The retention in force: the tenant's own months, else the configured default, never under the floor.
     *
     * @param own null when the tenant follows the default
     */
    public int inForce(Integer own, int defaultMonths) {
        return Math.max(floorMonths, own != null ? own : defaultMonths);
    }

    /** Whether moving the tenant's own setting from {@code own} to {@code requested} keeps rows for less time. */
    public boolean shortens(Integer own, Integer requested, int defaultMonths) {
        return inForce(requested, defaultMonths) < inForce(own, defaultMonths);
    }

    /** When a change asked for at {@code at} takes effect. */
    public Instant effectiveAt(Integer own, Integer requested, int defaultMonths, Instant at) {
        return shortens(own, requested, defaultMonths) ? at.plus(shorteningDelay) : at;
    }
}
