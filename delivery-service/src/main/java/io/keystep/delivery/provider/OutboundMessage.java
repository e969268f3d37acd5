package io.keystep.delivery.provider;

import io.keystep.events.Channel;

/**
 * One message for a provider to carry. Holds the plaintext code in {@code body} and {@code code}: never log them, never
 * store them.
 *
 * @param channel     the channel to use
 * @param to          the destination: E.164 for phone channels, an address for e-mail
 * @param body        the text (or the words to speak, for voice)
 * @param subject     the subject, for e-mail only
 * @param code        the one-time code alone, for channels that carry it as a template variable (WhatsApp); null for
 *                    a message without a code (a factor-change notice)
 * @param tenantId    the tenant, for provider selection and callbacks
 * @param challengeId the challenge, passed to providers that echo a reference back in receipts
 * @param expiresAt   when the code (a push's nonce) stops working, for providers that drop a message after it; null
 *                    when the message does not expire (a factor-change notice)
 */
public record OutboundMessage(Channel channel, String to, String body, String subject, String code,
                              String tenantId, String challengeId, java.time.Instant expiresAt) {

    /** A message that does not expire. */
    public OutboundMessage(Channel channel, String to, String body, String subject, String code, String tenantId,
                           String challengeId) {
        this(channel, to, body, subject, code, tenantId, challengeId, null);
    }

    @Override
    public String toString() {
        // Records print every field by default; the body and the code field carry the code, a push's 'to' its token.
        return "OutboundMessage[channel=" + channel + ", challengeId=" + challengeId + "]";
    }
}
