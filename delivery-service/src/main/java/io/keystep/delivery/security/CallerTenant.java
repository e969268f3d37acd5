package io.keystep.delivery.security;

import io.keystep.events.AccessRefused;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

/**
 * The tenant a call acts for: only ever the token's {@code tenant} claim. A request that also names a tenant (the
 * {@code X-Tenant-Id} header, a body field) must name the same one; naming another is refused with 403
 * {@code CROSS_TENANT}, published as an access refusal.
 */
@ApplicationScoped
public class CallerTenant {

    private final AccessRefusals refusals;

    public CallerTenant(AccessRefusals refusals) {
        this.refusals = refusals;
    }

    /**
     * The caller's tenant, or a failure carrying the 403 answer when {@code named} (any tenant the request names,
     * null when it names none) is another tenant.
     */
    public Uni<String> of(SecurityIdentity identity, String method, String path, String... named) {
        String tenant = TenantClaim.of(identity);
        for (String other : named) {
            if (other != null && !other.equals(tenant)) {
                // Only a well-formed id goes into the event: the header is the caller's free text.
                String requested = TenantClaim.isValid(other) ? other : "(malformed)";
                return refusals.forbidden(identity, method, path, AccessRefused.Reason.CROSS_TENANT, requested)
                        .onItem().transform(answer -> {
                            throw new WebApplicationException(answer);
                        });
            }
        }
        return Uni.createFrom().item(tenant);
    }
}
