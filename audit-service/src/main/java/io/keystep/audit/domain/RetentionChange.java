package io.keystep.audit.domain;

import java.time.Instant;

/**
 * A change of a tenant's retention as it was asked for and recorded: {@code monthsBefore} and {@code monthsAfter} are
 * the tenant's own setting (null: the platform default).
 */
public record RetentionChange(long id, String tenantId, Integer monthsBefore, Integer monthsAfter, String requestedBy,
                              Instant requestedAt, Instant effectiveAt, Instant appliedAt) {

    /** The field of {@code tenant.settings-changed} that holds a change waiting for its time. */
    public static final String PENDING_FIELD = AuditSettings.RETENTION_MONTHS + ".pending";
    /** The field of {@code tenant.settings-changed} that holds when the waiting change takes effect. */
    public static final String EFFECTIVE_AT_FIELD = AuditSettings.RETENTION_MONTHS + ".effectiveAt";
    /** How a pending return to the platform default is written. */
    public static final String DEFAULT = "default";

    public boolean applied() {
        return appliedAt != null;
    }

    /** The pending value as the trail writes it. */
    public String pendingText() {
        return monthsAfter == null ? DEFAULT : monthsAfter.toString();
    }
}
