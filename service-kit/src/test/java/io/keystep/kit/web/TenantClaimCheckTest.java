package io.keystep.kit.web;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TenantClaimCheckTest {

    /**
     * A verified token whose principal counts as equal to any other of the same name, as a JWT library may define
     * it: the tenant must still come from this token and no other.
     */
    static final class Token implements JsonWebToken {
        final String raw;
        final String tenant;
        final AtomicInteger tenantReads = new AtomicInteger();

        Token(String raw, String tenant) {
            this.raw = raw;
            this.tenant = tenant;
        }

        @Override
        public String getName() {
            return "gateway";
        }

        @Override
        public Set<String> getClaimNames() {
            return Set.of("tenant", "raw_token");
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getClaim(String claimName) {
            if (claimName.equals(Caller.TENANT_CLAIM)) {
                tenantReads.incrementAndGet();
                return (T) tenant;
            }
            return claimName.equals("raw_token") ? (T) raw : null;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Token token && token.getName().equals(getName());
        }

        @Override
        public int hashCode() {
            return getName().hashCode();
        }
    }

    private final TenantClaimCheck check = new TenantClaimCheck();

    private String tenantOf(Token token) {
        SecurityIdentity identity = QuarkusSecurityIdentity.builder().setPrincipal(token).build();
        return check.augment(identity, null).await().indefinitely().getAttribute(Caller.TENANT_ATTRIBUTE);
    }

    @Test
    void eachTokenIsServedForItsOwnTenantEvenWhenItsPrincipalEqualsAnothers() {
        Token a = new Token("header.a-payload.signature", "tenant-a");
        Token b = new Token("header.b-payload.signature", "tenant-b");

        assertAll(
                () -> assertEquals("tenant-a", tenantOf(a)),
                () -> assertEquals("tenant-b", tenantOf(b), "a principal equal to tenant-a's, of another token"),
                () -> assertEquals("tenant-a", tenantOf(a)));
    }

    @Test
    void readsATokensTenantClaimOnce() {
        Token a = new Token("header.a-payload.signature", "tenant-a");

        tenantOf(a);
        tenantOf(a);
        tenantOf(a);

        assertEquals(1, a.tenantReads.get());
    }

    @Test
    void refusesATokenWithoutAValidTenant() {
        assertAll(
                () -> assertThrows(AuthenticationFailedException.class,
                        () -> tenantOf(new Token("header.none.signature", null))),
                () -> assertThrows(AuthenticationFailedException.class,
                        () -> tenantOf(new Token("header.bad.signature", "not a tenant!"))));
    }
}
