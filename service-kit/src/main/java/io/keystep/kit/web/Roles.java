package io.keystep.kit.web;

/** The roles (token {@code groups}) the services know, one per kind of caller. No role implies another. */
public final class Roles {

    /** Tenant administrators: the tenant's settings in every service, support actions. */
    public static final String ADMIN = "admin";
    /** The tenant's login gateway: verifications, factors, logins (challenge-service). */
    public static final String GATEWAY = "gateway";
    /** SMS workers that carry or watch deliveries (delivery-service). */
    public static final String WORKER = "worker";
    /** Compliance teams: the audit trail, its exports, checkpoints and legal holds (audit-service). */
    public static final String COMPLIANCE = "compliance";
    /**
     * Support staff: look a user up, lift a lockout after the runbook's identity check, revoke a trusted device, open
     * an account recovery (challenge-service), and read that user's timeline (audit-service).
     */
    public static final String SUPPORT = "support";
    /** Analysts: the tenant's conversion, cost and risk figures (audit-service, delivery-service), read only. */
    public static final String ANALYST = "analyst";

    private Roles() {
    }
}
