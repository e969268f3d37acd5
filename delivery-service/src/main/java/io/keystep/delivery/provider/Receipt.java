package io.keystep.delivery.provider;

/**
 * What a provider's status callback says about one message.
 *
 * @param providerMessageId the provider's id of the message, as returned when it was sent
 * @param kind              delivered, failed, or still on its way
 * @param reason            the provider's status or error, for a failure
 */
public record Receipt(String providerMessageId, Kind kind, String reason) {

    public enum Kind {
        DELIVERED, FAILED, IN_PROGRESS
    }
}
