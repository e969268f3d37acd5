package io.keystep.audit.domain;

/**
 * A tenant's audit settings in force.
 *
 * @param retentionMonths    how long the tenant's rows are kept: a row received in month X expires at the end of X
 *                           plus this many months
 * @param searchDefaultLimit rows per page of a search or timeline that names no {@code limit}
 */
public record AuditSettings(int retentionMonths, int searchDefaultLimit) {

    public static final String RETENTION_MONTHS = "retentionMonths";
    public static final String SEARCH_DEFAULT_LIMIT = "searchDefaultLimit";

    /** Ten years. */
    public static final int MAX_RETENTION_MONTHS = 120;
    public static final int MIN_SEARCH_DEFAULT_LIMIT = 1;
}
