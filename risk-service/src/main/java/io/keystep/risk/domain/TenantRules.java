package io.keystep.risk.domain;

import java.util.List;
import java.util.Optional;

/**
 * How one tenant's logins are decided.
 *
 * @param live            the policy that decides
 * @param shadows         policies evaluated beside the live one without acting (often none, usually one)
 * @param alwaysChallenge challenge every password-verified login
 * @param allow           networks that lower the score
 * @param deny            networks whose logins are denied
 */
public record TenantRules(RiskPolicy live, List<RiskPolicy> shadows, boolean alwaysChallenge,
                          List<CidrRange> allow, List<CidrRange> deny) {

    public TenantRules {
        shadows = List.copyOf(shadows);
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** Where the address stands in the lists; deny wins over allow. */
    public NetworkListing listing(Optional<byte[]> address) {
        if (address.isEmpty()) {
            return NetworkListing.NONE;
        }
        byte[] bytes = address.get();
        if (deny.stream().anyMatch(r -> r.contains(bytes))) {
            return NetworkListing.DENIED;
        }
        if (allow.stream().anyMatch(r -> r.contains(bytes))) {
            return NetworkListing.ALLOWED;
        }
        return NetworkListing.NONE;
    }
}
