package io.keystep.delivery.provider;

import java.util.Optional;

/**
 * What every WhatsApp adapter checks before it sends: WhatsApp starts a conversation only with an approved template,
 * and an authentication template carries nothing but a code. A message without a code (a factor-change notice) or an
 * account without a template is refused here, never sent as free-form text.
 */
final class WhatsAppTemplates {

    /** The account names no approved template; start-up refuses such an account, so this is a last line. */
    static final String NOT_CONFIGURED = "WHATSAPP_TEMPLATE_NOT_CONFIGURED";
    /** The message has no code to put in the template: only codes go out on WhatsApp. */
    static final String NO_CODE = "WHATSAPP_TEMPLATE_NEEDS_A_CODE";

    /** Meta's limit for the one-time password parameter of an authentication template. */
    static final int MAX_CODE_LENGTH = 15;

    private WhatsAppTemplates() {
    }

    /** Why {@code message} cannot go out as the template {@code template}, if it cannot; never retryable. */
    static Optional<SendOutcome.Refused> unfit(OutboundMessage message, String template) {
        if (template == null || template.isBlank()) {
            return Optional.of(new SendOutcome.Refused(NOT_CONFIGURED, false));
        }
        if (message.code() == null || message.code().isBlank() || message.code().length() > MAX_CODE_LENGTH) {
            return Optional.of(new SendOutcome.Refused(NO_CODE, false));
        }
        return Optional.empty();
    }
}
