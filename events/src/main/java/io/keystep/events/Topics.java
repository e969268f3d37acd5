package io.keystep.events;

import java.util.List;

/** The versioned topics of the platform. Records are keyed by {@link #key(String, String)}. */
public final class Topics {

    public static final String LOGIN = "auth.login.v1";
    public static final String RISK_ASSESSED = "risk.assessed.v1";
    public static final String LOGIN_DECISION = "auth.decision.v1";
    public static final String CHALLENGE_ISSUED = "challenge.issued.v1";
    public static final String DELIVERY_STATUS = "delivery.status.v1";
    public static final String VERIFICATION_COMPLETED = "verification.completed.v1";
    public static final String VERIFICATION_LIMITED = "verification.limited.v1";
    public static final String FACTOR_CHANGED = "factor.changed.v1";
    public static final String ACCESS_REFUSED = "security.access-refused.v1";
    public static final String TENANT_SETTINGS_CHANGED = "tenant.settings-changed.v1";

    /**
     * Signed heads of the audit trail's hash chains, keyed by tenant. Not in {@link #ALL}: the audit trail does
     * not store its own checkpoints (each stored row would move the head it signs).
     */
    public static final String AUDIT_CHECKPOINT = "audit.checkpoint.v1";

    /** Every topic carrying platform events, in the order of the main thread. */
    public static final List<String> ALL = List.of(LOGIN, RISK_ASSESSED, LOGIN_DECISION, CHALLENGE_ISSUED,
            DELIVERY_STATUS, VERIFICATION_COMPLETED, VERIFICATION_LIMITED, FACTOR_CHANGED, ACCESS_REFUSED, TENANT_SETTINGS_CHANGED);

    private Topics() {
    }

    /** The dead-letter topic of a topic: where its consumers put what they cannot process. */
    public static String deadLetter(String topic) {
        return topic + ".dlq";
    }

    /** The record key: one user's events share a partition and so stay in order. */
    public static String key(String tenantId, String userId) {
        return tenantId + ":" + userId;
    }
}
