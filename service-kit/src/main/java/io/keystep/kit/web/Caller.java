package io.keystep.kit.web;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.regex.Pattern;

/**
 * Who is calling, from the verified bearer token only: the tenant (claim {@code tenant}, checked when the token was
 * accepted, see {@link TenantClaimCheck}) and the caller's identity ({@code sub}). Never from a header, path or body:
 * those may only name the same tenant, else the call is refused as cross-tenant (403).
 */
@ApplicationScoped
public class Caller {

    /** The token claim naming the caller's tenant. */
    public static final String TENANT_CLAIM = "tenant";
    /** The optional header by which older clients still name their tenant; it must be the token's. */
    public static final String TENANT_HEADER = "X-Tenant-Id";
    /** The identity attribute holding the tenant once the token was checked to carry a valid one. */
    public static final String TENANT_ATTRIBUTE = "keystep.tenant";
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final SecurityIdentity identity;

    /** With the request's identity (a proxy: each call reads the current request's). */
    public Caller(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** The caller's tenant; every read and write of the request is scoped to it. */
    public String tenant() {
        return tenantOf(identity);
    }

    /**
     * The caller's tenant, after checking that {@code named}, what the request's {@code field} (a header, parameter
     * or body field) names, is exactly that same tenant when present (null or empty: names none).
     *
     * @throws CrossTenantException when it names another tenant
     */
    public String tenant(String field, String named) {
        String own = tenant();
        if (named != null && !named.isEmpty() && !named.equals(own)) {
            throw new CrossTenantException(field, named);
        }
        return own;
    }

    /** The caller's identity, the token's subject (for example an administrator, for the settings trail). */
    public String subject() {
        return subjectOf(identity);
    }

    /** Whether {@code tenant} is a well-formed tenant id: it becomes part of Redis keys and Kafka record keys. */
    public static boolean isValidTenant(String tenant) {
        return tenant != null && TENANT_ID.matcher(tenant).matches();
    }

    /** The tenant of an identity that passed authentication. */
    public static String tenantOf(SecurityIdentity identity) {
        String tenant = identity.isAnonymous() ? null : identity.getAttribute(TENANT_ATTRIBUTE);
        if (tenant == null) {
            // Only reachable if authentication did not go through TenantClaimCheck: refuse rather than guess.
            throw new UnauthorizedException();
        }
        return tenant;
    }

    /** The subject of an identity: the token's {@code sub}, else the principal's name. */
    public static String subjectOf(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null
                && !jwt.getSubject().isBlank()) {
            return jwt.getSubject();
        }
        return identity.getPrincipal() == null ? "unknown" : identity.getPrincipal().getName();
    }

    /** The token's tenant claim when it is a well-formed tenant id, else null. */
    static String tenantClaim(JsonWebToken jwt) {
        Object claim = jwt.getClaim(TENANT_CLAIM);
        String tenant = claim instanceof jakarta.json.JsonString s ? s.getString() : claim instanceof String s ? s : null;
        return isValidTenant(tenant) ? tenant : null;
    }
}
