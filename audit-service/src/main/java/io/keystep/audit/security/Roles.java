package io.keystep.audit.security;

/** The roles (token {@code groups}) audit-service knows. No role implies another. */
public final class Roles {

    /** Compliance teams: read, search, export, stream, verify, checkpoints, summaries, timelines, legal holds. */
    public static final String COMPLIANCE = "compliance";
    /** Tenant administrators: the tenant's audit settings. */
    public static final String ADMIN = "admin";

    private Roles() {
    }
}
