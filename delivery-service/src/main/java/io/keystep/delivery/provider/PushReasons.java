package io.keystep.delivery.provider;

import java.util.Set;

/**
 * Why a push was not delivered, as {@code delivery.status.v1} tells challenge-service: the token is dead (the app was
 * removed or the token replaced: unpair it), the platform is not configured here, or the provider failed after its
 * retries. The provider's own reason is logged, never published.
 */
public final class PushReasons {

    /** FCM {@code UNREGISTERED} or an invalid registration token; APNs {@code Unregistered} or {@code BadDeviceToken}. */
    public static final String TOKEN_UNREGISTERED = "push_token_unregistered";
    /** The destination's platform has no provider configured in this deployment. */
    public static final String NOT_CONFIGURED = "push_not_configured";
    /** Anything else: the provider was down, slow, refused our credentials or the request. */
    public static final String PROVIDER_ERROR = "provider_error";

    /** What {@link ProviderFailover#sendThrough} answers for a provider that is not configured. */
    static final String PROVIDER_NOT_CONFIGURED = "PROVIDER_NOT_CONFIGURED";

    private static final Set<String> PUBLISHED = Set.of(TOKEN_UNREGISTERED, NOT_CONFIGURED);

    private PushReasons() {
    }

    /** The reason to publish for a push a provider did not take, from the reason the send came back with. */
    public static String published(String sendReason) {
        if (PROVIDER_NOT_CONFIGURED.equals(sendReason)) {
            return NOT_CONFIGURED;
        }
        return PUBLISHED.contains(sendReason) ? sendReason : PROVIDER_ERROR;
    }
}
