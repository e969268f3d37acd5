package io.keystep.delivery.provider;

import io.keystep.events.Channel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The adapters' last line against free-form WhatsApp: without a template, or without a code to put in it, a WhatsApp
 * message is refused before any call to the provider (the adapters here have no HTTP client at all).
 */
class WhatsappAdapterTest {

    private static final OutboundMessage CODE = new OutboundMessage(Channel.WHATSAPP, "+14155552671",
            "Your code is 482913", null, "482913", "acme", "challenge-1");
    private static final OutboundMessage NOTICE = new OutboundMessage(Channel.WHATSAPP, "+14155552671",
            "A new sign-in method was added to your account.", null, null, "acme", "event-1");

    @Test
    void twilioWithoutAContentSidRefusesWhatsappInsteadOfSendingABody() {
        assertEquals(new SendOutcome.Refused("WHATSAPP_TEMPLATE_NOT_CONFIGURED", false),
                twilio(null).send(CODE).await().indefinitely());
    }

    @Test
    void telnyxWithoutATemplateRefusesWhatsappInsteadOfSendingText() {
        assertEquals(new SendOutcome.Refused("WHATSAPP_TEMPLATE_NOT_CONFIGURED", false),
                telnyx(null).send(CODE).await().indefinitely());
    }

    @Test
    void aMessageWithoutACodeIsNeverSentOnWhatsapp() {
        SendOutcome.Refused noCode = new SendOutcome.Refused("WHATSAPP_TEMPLATE_NEEDS_A_CODE", false);
        assertEquals(noCode, twilio("HX5f3c2a7e9b1d4c6a8e0f2b4d6a8c0e1f").send(NOTICE).await().indefinitely());
        assertEquals(noCode, telnyx("keystep_code").send(NOTICE).await().indefinitely());
        OutboundMessage tooLong = new OutboundMessage(Channel.WHATSAPP, "+14155552671", "", null,
                "1234567890123456", "acme", "challenge-2");
        assertEquals(noCode, telnyx("keystep_code").send(tooLong).await().indefinitely(),
                "WhatsApp takes codes of at most 15 characters");
    }

    private static TwilioAdapter twilio(String contentSid) {
        return new TwilioAdapter(null, new TwilioAdapter.Settings("wa", "http://127.0.0.1:9", "AC0123", "token",
                "+15005550006", null, null, contentSid, Duration.ofSeconds(1), Set.of(Channel.WHATSAPP), null));
    }

    private static TelnyxAdapter telnyx(String template) {
        return new TelnyxAdapter(null, new TelnyxAdapter.Settings("tx", "http://127.0.0.1:9", "KEY0123",
                "+15005550002", null, null, null, Duration.ofSeconds(1), Set.of(Channel.WHATSAPP), null, template,
                "en_US"));
    }
}
