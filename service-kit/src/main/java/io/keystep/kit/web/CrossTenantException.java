package io.keystep.kit.web;

/** The request named a tenant (header, parameter or body field) other than the caller's own: a 403. */
public class CrossTenantException extends RuntimeException {

    private final String field;
    private final String requestedTenant;

    public CrossTenantException(String field, String requestedTenant) {
        super(field + " names another tenant", null, false, false);
        this.field = field;
        this.requestedTenant = requestedTenant;
    }

    /** The header, parameter or body field that named the other tenant. */
    public String field() {
        return field;
    }

    /** The tenant it named, as the caller sent it (free text: not yet fit for a log line or an event). */
    public String requestedTenant() {
        return requestedTenant;
    }
}
