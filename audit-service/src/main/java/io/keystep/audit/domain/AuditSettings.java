package io.keystep.audit.domain;

import java.util.LinkedHashMap;
import java.util.Map;

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

    /** At least one calendar month after the month of receipt: never less than about 30 days. */
    public static final int MIN_RETENTION_MONTHS = 1;
    /** Ten years. */
    public static final int MAX_RETENTION_MONTHS = 120;
    public static final int MIN_SEARCH_DEFAULT_LIMIT = 1;

    /** A tenant's overrides; a null field is the platform default. */
    public record Overrides(Integer retentionMonths, Integer searchDefaultLimit) {

        public static final Overrides NONE = new Overrides(null, null);

        /** Every field by name, nulls included, in a stable order. */
        public Map<String, Integer> byField() {
            Map<String, Integer> fields = new LinkedHashMap<>();
            fields.put(RETENTION_MONTHS, retentionMonths);
            fields.put(SEARCH_DEFAULT_LIMIT, searchDefaultLimit);
            return fields;
        }

        /** The settings in force: each override, else the default. */
        public AuditSettings over(AuditSettings defaults) {
            return new AuditSettings(retentionMonths != null ? retentionMonths : defaults.retentionMonths(),
                    searchDefaultLimit != null ? searchDefaultLimit : defaults.searchDefaultLimit());
        }
    }
}
