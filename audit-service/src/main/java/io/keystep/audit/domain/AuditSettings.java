package io.keystep.audit.domain;

/**
 * A tenant's audit settings in force.
 *
 * @param retentionMonths          how long the tenant's rows are kept: a row received in month X expires at the end
 *                                 of X plus this many months
 * @param searchDefaultLimit       rows per page of a search or timeline that names no {@code limit}
 * @param conversionAlertThreshold a country or number prefix converting below this share of its challenges is
 *                                 flagged (analytics alerts, and the threshold Prometheus alerts compare with)
 * @param conversionAlertMinVolume ... but only once it has at least this many challenges in the period, so that a
 *                                 handful of abandoned codes raises nothing
 */
public record AuditSettings(int retentionMonths, int searchDefaultLimit, double conversionAlertThreshold,
                            int conversionAlertMinVolume) {

    public static final String RETENTION_MONTHS = "retentionMonths";
    public static final String SEARCH_DEFAULT_LIMIT = "searchDefaultLimit";
    public static final String CONVERSION_ALERT_THRESHOLD = "conversionAlertThreshold";
    public static final String CONVERSION_ALERT_MIN_VOLUME = "conversionAlertMinVolume";

    /** Ten years. */
    public static final int MAX_RETENTION_MONTHS = 120;
    public static final int MIN_SEARCH_DEFAULT_LIMIT = 1;
    public static final int MIN_CONVERSION_ALERT_MIN_VOLUME = 1;
    public static final int MAX_CONVERSION_ALERT_MIN_VOLUME = 1_000_000;
}
