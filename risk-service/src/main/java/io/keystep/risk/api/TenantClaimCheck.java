package io.keystep.risk.api;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Part of authentication: a verified token without a well-formed {@code tenant} claim is not accepted (401), so
 * that no request ever runs without knowing its tenant. The tenant is kept on the identity for the resources.
 */
@ApplicationScoped
public class TenantClaimCheck implements SecurityIdentityAugmentor {

    /** Authentication failed because the token names no (valid) tenant. */
    public static final class MissingTenantException extends RuntimeException {
        public MissingTenantException() {
            super("the token carries no valid tenant claim", null, false, false);
        }
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        String tenant = Caller.tenantClaim(jwt);
        if (tenant == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException(new MissingTenantException()));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(Caller.TENANT_ATTRIBUTE, tenant).build());
    }
}
