package io.keystep.events;

/**
 * What happened to one attempt to deliver a challenge's code. Topic {@link Topics#DELIVERY_STATUS}.
 *
 * @param challengeId       the challenge whose code was sent
 * @param userId            the user the code is for
 * @param channel           the channel used
 * @param provider          the provider used, or null when none was reached
 * @param status            sent, delivered, failed or fell back
 * @param reason            why it failed or fell back; null when it did not
 * @param destination       the destination, masked (for example {@code +4915*****678})
 * @param providerMessageId the provider's id for the message, when it gave one
 */
public record DeliveryStatusChanged(String challengeId, String userId, Channel channel, String provider,
                                    DeliveryStatus status, String reason, String destination,
                                    String providerMessageId) {

    public static final String TYPE = "delivery.status";

    public DeliveryStatusChanged {
        Required.text(challengeId, "challengeId");
        Required.text(userId, "userId");
        Required.value(channel, "channel");
        Required.value(status, "status");
    }
}
