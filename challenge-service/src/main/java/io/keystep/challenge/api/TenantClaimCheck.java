package io.keystep.challenge.api;

import io.keystep.challenge.domain.Tenants;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
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

    /** The identity attribute holding the tenant read here, so that a request reads the claim once. */
    static final String TENANT_ATTRIBUTE = "keystep.tenant";

    /**
     * The tenant of each verified token seen lately, by the token's own text ({@link VerifiedTokenCache} hands the
     * same instance, holding that text, to every call with the same token; an entry goes when the token does): SmallRye
     * JWT answers a custom claim only after failing to find it among the standard ones, by an exception, which costs
     * more than the rest of this check. Keyed by the text, not by the principal, whose equality is the library's
     * to define: two tokens share an entry only if they are the same token.
     */
    private final java.util.Map<String, String> tenants =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        String raw = jwt.getRawToken();
        String tenant = raw == null ? null : tenants.get(raw);
        if (tenant == null) {
            tenant = tenantOf(jwt.getClaim(Caller.TENANT_CLAIM));
            if (tenant == null) {
                return Uni.createFrom().failure(new AuthenticationFailedException(NO_TENANT));
            }
            if (raw != null) {
                tenants.put(raw, tenant);
            }
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(TENANT_ATTRIBUTE, tenant).build());
    }

    /** The claim's value when it is a valid tenant id, else null. */
    static String tenantOf(Object claim) {
        String value = claim instanceof JsonString s ? s.getString() : claim instanceof String s ? s : null;
        return Tenants.isValid(value) ? value : null;
    }
}
