package io.keystep.delivery.provider;

import io.keystep.events.Channel;

/**
 * One message for a provider to carry. Holds the plaintext code inside {@code body}: never log it, never store it.
 *
 * @param channel     the channel to use
 * @param to          the destination: E.164 for phone channels, an address for e-mail
 * @param body        the text (or the words to speak, for voice)
 * @param subject     the subject, for e-mail only
 * @param tenantId    the tenant, for provider selection and callbacks
 * @param challengeId the challenge, passed to providers that echo a reference back in receipts
 */
public record OutboundMessage(Channel channel, String to, String body, String subject, String tenantId,
                              String challengeId) {

    @Override
    public String toString() {
        // Records print every field by default; the body carries the code.
        return "OutboundMessage[channel=" + channel + ", challengeId=" + challengeId + "]";
    }
}
