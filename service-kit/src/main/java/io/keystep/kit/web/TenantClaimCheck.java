package io.keystep.kit.web;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Part of authentication: a verified token without a well-formed {@code tenant} claim is not accepted (401), so that
 * no request ever runs without knowing its tenant. The tenant is kept on the identity
 * ({@link Caller#TENANT_ATTRIBUTE}) for the resources.
 */
@ApplicationScoped
public class TenantClaimCheck implements SecurityIdentityAugmentor {

    /** Marks the failure, so that the refusal is counted as a token without tenant rather than a bad token. */
    public static final class MissingTenantException extends RuntimeException {
        public MissingTenantException() {
            super("the token carries no valid tenant claim", null, false, false);
        }
    }

    /**
     * The tenant of each token seen lately, by the token's own text ({@link VerifiedTokenCache} hands the same
     * instance, holding that text, to every call with the same token; an entry goes when the token does): SmallRye
     * JWT answers a custom claim only after failing to find it among the standard ones, by an exception, which costs
     * more than the rest of this check. Keyed by the text, not by the principal, whose equality is the library's to
     * define: two tokens share an entry only if they are the same token.
     */
    private final Map<String, String> tenants = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        String tenant = tenantOf(jwt);
        if (tenant == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException(new MissingTenantException()));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(Caller.TENANT_ATTRIBUTE, tenant).build());
    }

    /** The tenant a verified token names when well-formed, else null; remembered per token as for API calls. */
    public String tenantOf(JsonWebToken jwt) {
        String raw = jwt.getRawToken();
        String tenant = raw == null ? null : tenants.get(raw);
        if (tenant == null) {
            tenant = Caller.tenantClaim(jwt);
            if (tenant != null && raw != null) {
                tenants.put(raw, tenant);
            }
        }
        return tenant;
    }
}
