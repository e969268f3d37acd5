package io.keystep.challenge.api;

import io.keystep.challenge.domain.Tenants;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who is calling, from the verified bearer token only: the tenant (claim {@code tenant}, checked when the token
 * was accepted, see {@link TenantClaimCheck}) and the caller's identity ({@code sub}). Never from a header.
 */
@ApplicationScoped
public class Caller {

    /** The token claim naming the caller's tenant. */
    static final String TENANT_CLAIM = "tenant";

    private final JsonWebToken token;
    private final io.quarkus.security.identity.SecurityIdentity identity;

    public Caller(JsonWebToken token, io.quarkus.security.identity.SecurityIdentity identity) {
        this.token = token;
        this.identity = identity;
    }

    /** The caller's tenant; every read and write of the request is scoped to it. */
    public String tenant() {
        // Read and checked once per request when the token was accepted (TenantClaimCheck).
        Object checked = identity.getAttribute(TenantClaimCheck.TENANT_ATTRIBUTE);
        String tenant = checked instanceof String s && Tenants.isValid(s) ? s
                : TenantClaimCheck.tenantOf(token.getClaim(TENANT_CLAIM));
        if (tenant == null) {
            // Unreachable for an authenticated call (the token was refused without it); fail closed regardless.
            throw new io.quarkus.security.AuthenticationFailedException("token names no valid tenant");
        }
        return tenant;
    }

    /** The caller's identity, the token's subject (for example an administrator, for the settings trail). */
    public String subject() {
        String subject = token.getSubject();
        return subject == null || subject.isBlank() ? token.getName() : subject;
    }
}
