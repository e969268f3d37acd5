package io.keystep.challenge.api;

import io.keystep.challenge.domain.Tenants;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Refuses, as not authenticated (401), a bearer token without a well-formed {@code tenant} claim: every call is
 * scoped to the token's tenant, so a token that names none cannot be served at all.
 */
@ApplicationScoped
public class TenantClaimCheck implements SecurityIdentityAugmentor {

    /** Marks the failure so that the refusal is counted as a token without tenant rather than a bad token. */
    static final String NO_TENANT = "keystep.no-tenant";

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        if (tenantOf(jwt.getClaim(Caller.TENANT_CLAIM)) == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException(NO_TENANT));
        }
        return Uni.createFrom().item(identity);
    }

    /** The claim's value when it is a valid tenant id, else null. */
    static String tenantOf(Object claim) {
        String value = claim instanceof JsonString s ? s.getString() : claim instanceof String s ? s : null;
        return Tenants.isValid(value) ? value : null;
    }
}
