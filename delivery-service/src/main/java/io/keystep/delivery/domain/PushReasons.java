package io.keystep.delivery.domain;

import java.util.Set;

/**
 * Why a push was not delivered, as {@code delivery.status.v1} tells challenge-service: the token is dead (the app was
 * removed or the token replaced, or it is not of its platform's form: unpair it), the platform is not configured
 * here, or the provider failed after its retries. The provider's own reason is logged, never published.
 */
public final class PushReasons {

    /**
     * FCM {@code UNREGISTERED} or an invalid registration token; APNs {@code Unregistered} or {@code BadDeviceToken};
     * or a token that is not of its platform's form, which the platform would refuse the same way.
     */
    public static final String TOKEN_UNREGISTERED = "push_token_unregistered";
    /** The destination's platform has no provider configured in this deployment. */
    public static final String NOT_CONFIGURED = "push_not_configured";
    /** Anything else: the provider was down, slow, refused our credentials or the request. */
    public static final String PROVIDER_ERROR = "provider_error";

    /** The destination names no platform at all ({@code <platform>:<token>}); no provider was called. */
    public static final String DESTINATION_INVALID = "push_destination_invalid";

    /** What a send through a provider that is not configured comes back with, before it is published. */
    public static final String PROVIDER_NOT_CONFIGURED = "PROVIDER_NOT_CONFIGURED";

    private static final Set<String> PUBLISHED = Set.of(TOKEN_UNREGISTERED, NOT_CONFIGURED, DESTINATION_INVALID);

    private PushReasons() {
    }

    /** The reason to publish for a push that was not taken, from the reason the send came back with. */
    public static String published(String sendReason) {
        if (PROVIDER_NOT_CONFIGURED.equals(sendReason)) {
            return NOT_CONFIGURED;
        }
        return PUBLISHED.contains(sendReason) ? sendReason : PROVIDER_ERROR;
    }
}
