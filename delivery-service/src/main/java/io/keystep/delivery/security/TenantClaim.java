package io.keystep.delivery.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.regex.Pattern;

/**
 * A token is only a caller's identity if it names the caller's tenant: a verified token without a well-formed
 * {@code tenant} claim authenticates nobody (401), before any role is looked at.
 */
@ApplicationScoped
public class TenantClaim implements SecurityIdentityAugmentor {

    public static final String CLAIM = "tenant";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Whether a tenant id may be used: it becomes part of Redis keys and Kafka record keys. */
    public static boolean isValid(String tenantId) {
        return tenantId != null && VALID.matcher(tenantId).matches();
    }

    /** The tenant of a token that passed authentication (the augmentor guarantees it is there and valid). */
    public static String of(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            Object claim = jwt.getClaim(CLAIM);
            if (claim instanceof jakarta.json.JsonString text) {
                return text.getString();
            }
            return claim instanceof String text ? text : null;
        }
        return null;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous()) {
            return Uni.createFrom().item(identity);
        }
        String tenant = of(identity);
        if (!isValid(tenant)) {
            return Uni.createFrom().failure(new AuthenticationFailedException("token names no valid tenant"));
        }
        return Uni.createFrom().item(identity);
    }
}
