package io.keystep.challenge.domain;

import java.util.regex.Pattern;

/** What a tenant id may look like: it becomes part of Redis keys and Kafka record keys. */
public final class Tenants {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Tenants() {
    }

    public static boolean isValid(String tenantId) {
        return tenantId != null && VALID.matcher(tenantId).matches();
    }
}
