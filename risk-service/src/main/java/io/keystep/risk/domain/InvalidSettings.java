package io.keystep.risk.domain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The invalid fields of one settings request and why, gathered rather than thrown so that a single refusal names
 * every bad field, not only the first.
 */
public final class InvalidSettings {

    private final Map<String, String> reasons = new LinkedHashMap<>();

    /** Notes why {@code field} is invalid; a field keeps its first reason, so that an answer names it once. */
    public void add(String field, String reason) {
        reasons.putIfAbsent(field, reason);
    }

    public boolean has(String field) {
        return reasons.containsKey(field);
    }

    public boolean isEmpty() {
        return reasons.isEmpty();
    }

    /** Each invalid field with its reason, in the order they were noted. */
    public Map<String, String> reasons() {
        return Collections.unmodifiableMap(reasons);
    }
}
