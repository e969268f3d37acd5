package io.keystep.events;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * What a browser needs to answer a challenge with a passkey: WebAuthn's {@code PublicKeyCredentialRequestOptions}
 * in its JSON form ({@code PublicKeyCredential.parseRequestOptionsFromJSON}), binary values base64url. It names the
 * user's credentials, never a key or a secret.
 *
 * @param challenge        the challenge the assertion must sign, base64url
 * @param rpId             the relying party (the tenant's site) the credentials are scoped to
 * @param timeout          how long the browser may wait for the person, in milliseconds
 * @param userVerification {@code required}, {@code preferred} or {@code discouraged}
 * @param allowCredentials the user's credentials
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PasskeyRequest(String challenge, String rpId, long timeout, String userVerification,
                             List<Credential> allowCredentials) {

    public PasskeyRequest {
        Required.text(challenge, "challenge");
        Required.text(rpId, "rpId");
        allowCredentials = allowCredentials == null ? List.of() : List.copyOf(allowCredentials);
    }

    /**
     * One of the user's credentials.
     *
     * @param type       always {@code public-key}
     * @param id         the credential id, base64url
     * @param transports how the browser may reach the authenticator ({@code internal}, {@code usb}, ...), if known
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Credential(String type, String id, List<String> transports) {
        public Credential {
            transports = transports == null ? List.of() : List.copyOf(transports);
        }
    }
}
