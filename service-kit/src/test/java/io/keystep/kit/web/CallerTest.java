package io.keystep.kit.web;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CallerTest {

    private static Caller callerOf(String tenant) {
        SecurityIdentity identity = QuarkusSecurityIdentity.builder()
                .setPrincipal(() -> "gateway").addAttribute(Caller.TENANT_ATTRIBUTE, tenant).build();
        return new Caller(identity);
    }

    @Test
    void aRequestMayNameTheCallersOwnTenantOrNone() {
        Caller caller = callerOf("acme");
        assertEquals("acme", caller.tenant(Caller.TENANT_HEADER, null));
        assertEquals("acme", caller.tenant(Caller.TENANT_HEADER, "acme"));
        assertEquals("acme", caller.tenant("tenant", ""));
    }

    @Test
    void namingAnotherTenantIsRefusedWithTheFieldThatNamedIt() {
        CrossTenantException refused = assertThrows(CrossTenantException.class,
                () -> callerOf("acme").tenant("tenant", "globex"));
        assertEquals("tenant", refused.field());
        assertEquals("globex", refused.requestedTenant());
    }

    @Test
    void aTenantIsNamedExactlyOrNotAtAll() {
        assertThrows(CrossTenantException.class, () -> callerOf("acme").tenant(Caller.TENANT_HEADER, " acme"));
        assertThrows(CrossTenantException.class, () -> callerOf("acme").tenant(Caller.TENANT_HEADER, "ACME"));
    }

    @Test
    void anIdentityThatNoTenantCheckAcceptedHasNoTenant() {
        SecurityIdentity unchecked = QuarkusSecurityIdentity.builder().setPrincipal(() -> "gateway").build();
        assertThrows(UnauthorizedException.class, () -> new Caller(unchecked).tenant());
    }

    @Test
    void onlyWellFormedTenantIdsAreValid() {
        assertEquals(true, Caller.isValidTenant("acme-eu.1_a"));
        assertEquals(false, Caller.isValidTenant("acme:eu"));
        assertEquals(false, Caller.isValidTenant("x".repeat(65)));
        assertEquals(false, Caller.isValidTenant(null));
    }
}
