package io.keystep.delivery.provider;

/** What a provider answered to one send. */
public sealed interface SendOutcome permits SendOutcome.Accepted, SendOutcome.Refused {

    /** The provider took the message; {@code providerMessageId} ties later receipts to it. */
    record Accepted(String providerMessageId) implements SendOutcome {
    }

    /**
     * The provider did not take the message.
     *
     * @param reason    a short machine-readable reason, for example {@code PROVIDER_HTTP_503} or {@code PROVIDER_TIMEOUT}
     * @param retryable whether trying again (here or at another provider) may succeed
     */
    record Refused(String reason, boolean retryable) implements SendOutcome {
    }
}
