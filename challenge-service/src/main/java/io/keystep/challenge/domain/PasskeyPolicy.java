package io.keystep.challenge.domain;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A tenant's relying party for passkeys and security keys: which site the credentials are scoped to, which origins
 * may run the ceremony, and what the tenant accepts.
 *
 * @param rpId              the relying party id, the site's registrable domain ({@code example.com}, {@code localhost})
 * @param rpName            the name the browser shows while creating a passkey
 * @param origins           the page origins allowed to run the ceremony ({@code https://login.example.com})
 * @param userVerification  {@code required} (a PIN or biometric on every use, the default), {@code preferred} or
 *                          {@code discouraged}; only {@code required} is enforced on the server
 * @param attestation       {@code none} (any authenticator, its make unproven) or {@code direct} (only authenticators
 *                          whose attestation chains to one of {@code trustAnchors})
 * @param trustAnchors      PEM certificates of the attestation roots trusted under {@code direct}
 * @param allowSynced       whether passkeys that can be backed up (synced to a cloud account) are accepted
 * @param aaguidAllow       when not empty, only authenticator models with these AAGUIDs are accepted
 * @param aaguidDeny        authenticator models refused
 * @param signCountPolicy   {@code refuse} (an assertion whose sign count did not move forward is refused and the
 *                          credential flagged, the default) or {@code flag} (flagged only)
 * @param updatedBy         who saved it
 * @param updatedAt         when
 */
public record PasskeyPolicy(String rpId, String rpName, List<String> origins, String userVerification,
                            String attestation, List<String> trustAnchors, boolean allowSynced, List<UUID> aaguidAllow,
                            List<UUID> aaguidDeny, String signCountPolicy, String updatedBy, Instant updatedAt) {

    public PasskeyPolicy {
        origins = List.copyOf(origins);
        trustAnchors = trustAnchors == null ? List.of() : List.copyOf(trustAnchors);
        aaguidAllow = aaguidAllow == null ? List.of() : List.copyOf(aaguidAllow);
        aaguidDeny = aaguidDeny == null ? List.of() : List.copyOf(aaguidDeny);
    }

    public boolean userVerificationRequired() {
        return "required".equals(userVerification);
    }

    public boolean directAttestation() {
        return "direct".equals(attestation);
    }

    public boolean refusesCounterRegression() {
        return "refuse".equals(signCountPolicy);
    }

    /** Whether an authenticator model is accepted by the allow and deny lists. */
    public boolean acceptsModel(UUID aaguid) {
        return !aaguidDeny.contains(aaguid) && (aaguidAllow.isEmpty() || aaguidAllow.contains(aaguid));
    }
}
