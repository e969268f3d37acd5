package io.keystep.audit.security;

/** The request named a tenant (header, path, query or body) other than the caller's own. */
public class CrossTenantException extends RuntimeException {

    private final String requestedTenant;
    private final String field;

    public CrossTenantException(String field, String requestedTenant) {
        super(field + " names another tenant", null, false, false);
        this.field = field;
        this.requestedTenant = requestedTenant;
    }

    public String requestedTenant() {
        return requestedTenant;
    }

    public String field() {
        return field;
    }
}
