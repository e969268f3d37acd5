package io.keystep.audit.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.regex.Pattern;

/**
 * The tenant of a caller comes only from its token's {@code tenant} claim. A verified token without one (or with a
 * value that is not a tenant id) does not authenticate anybody: 401, before any role is considered.
 */
@ApplicationScoped
public class TenantClaim implements SecurityIdentityAugmentor {

    public static final String CLAIM = "tenant";
    /** Attribute of the security identity holding the caller's tenant. */
    public static final String ATTRIBUTE = "keystep.tenant";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Whether {@code tenant} is a well-formed tenant id. */
    public static boolean valid(String tenant) {
        return tenant != null && VALID.matcher(tenant).matches();
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Uni.createFrom().item(identity);
        }
        Object claim = token.getClaim(CLAIM);
        String tenant = claim == null ? null : claim.toString().replaceAll("^\"|\"$", "");
        if (!valid(tenant)) {
            return Uni.createFrom().failure(new AuthenticationFailedException(new MissingTenantException()));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity).addAttribute(ATTRIBUTE, tenant).build());
    }

    /** A verified token that names no valid tenant. */
    public static class MissingTenantException extends RuntimeException {
        public MissingTenantException() {
            super("the token has no valid tenant claim", null, false, false);
        }
    }
}
