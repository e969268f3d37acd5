package io.keystep.audit.security;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;

/**
 * Who is calling: the tenant from the token's {@code tenant} claim and the token's subject. A request that names
 * a tenant anywhere (the old {@code X-Tenant-Id} header, a {@code tenant} parameter) must name the caller's own.
 */
@RequestScoped
public class Caller {

    public static final String TENANT_HEADER = "X-Tenant-Id";

    private final SecurityIdentity identity;

    public Caller(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** The caller's tenant; a differing {@code X-Tenant-Id} header is refused as cross-tenant. */
    public String tenant(String tenantHeader) {
        return tenant(TENANT_HEADER, tenantHeader);
    }

    /**
     * The caller's tenant, after checking that {@code value} of the header or parameter {@code field}, when present,
     * names that same tenant.
     */
    public String tenant(String field, String value) {
        String own = ownTenant();
        if (value != null && !value.isBlank() && !value.trim().equals(own)) {
            throw new CrossTenantException(field, value.trim());
        }
        return own;
    }

    /** The caller's tenant, checking a header and a parameter both. */
    public String tenant(String tenantHeader, String field, String value) {
        tenant(tenantHeader);
        return tenant(field, value);
    }

    /** The token's subject ({@code sub}). */
    public String subject() {
        return subjectOf(identity);
    }

    /** The subject of an identity: the token's {@code sub}, else the principal's name. */
    public static String subjectOf(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof org.eclipse.microprofile.jwt.JsonWebToken token && token.getSubject() != null) {
            return token.getSubject();
        }
        return identity.getPrincipal().getName();
    }

    private String ownTenant() {
        String tenant = identity.getAttribute(TenantClaim.ATTRIBUTE);
        if (tenant == null) {
            // unreachable behind @RolesAllowed; fail closed all the same
            throw new io.quarkus.security.UnauthorizedException();
        }
        return tenant;
    }
}
