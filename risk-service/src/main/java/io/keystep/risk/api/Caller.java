package io.keystep.risk.api;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.regex.Pattern;

/**
 * Who is calling: the tenant and subject of the verified bearer token. The tenant comes only from the token's
 * {@code tenant} claim, never from a header, path or body.
 *
 * @param tenant  the token's tenant
 * @param subject the token's subject, the caller's identity
 */
public record Caller(String tenant, String subject) {

    /** The identity attribute holding the tenant once the token was checked to carry a valid one. */
    public static final String TENANT_ATTRIBUTE = "keystep.tenant";
    public static final String TENANT_CLAIM = "tenant";
    public static final String TENANT_HEADER = "X-Tenant-Id";
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** The caller of an authenticated request. */
    public static Caller of(SecurityIdentity identity) {
        String tenant = identity.getAttribute(TENANT_ATTRIBUTE);
        if (tenant == null) {
            // Only reachable if authentication did not go through TenantClaimCheck: refuse rather than guess.
            throw new IllegalStateException("authenticated identity without a tenant");
        }
        return new Caller(tenant, subject(identity));
    }

    /** The token's subject, else the principal's name. */
    public static String subject(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null) {
            return jwt.getSubject();
        }
        return identity.getPrincipal() == null ? "unknown" : identity.getPrincipal().getName();
    }

    /** The token's tenant claim when it is a well-formed tenant id, else null. */
    public static String tenantClaim(JsonWebToken jwt) {
        Object claim = jwt.getClaim(TENANT_CLAIM);
        String tenant = claim instanceof JsonString s ? s.getString() : claim instanceof String s ? s : null;
        return tenant != null && TENANT_ID.matcher(tenant).matches() ? tenant : null;
    }
}
