package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Channel;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SmsSink;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A WhatsApp code goes out as the account's approved authentication template, never as free-form text: the SMS sink
 * refuses anything else as Twilio and Telnyx do outside a 24-hour customer window.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class WhatsappTemplateTest {

    @Inject
    ObjectMapper json;

    private final SmsSink sink = SmsSinkTestResource.sink();

    @Test
    void twilioSendsAWhatsappCodeAsTheApprovedContentTemplateWithTheCodeAsVariableOne() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms("twilio-channels-tenant", number, code).withPlan(List.of(Channel.WHATSAPP));
        job.publish(json);

        JsonNode sent = new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("twilio-whatsapp", sent.get("provider").asText());
        assertEquals("WHATSAPP", sent.get("channel").asText());
        List<SmsSink.Message> received = sink.whatsappTo(number);
        assertEquals(1, received.size());
        SmsSink.Message message = received.get(0);
        assertEquals("twilio", message.provider());
        assertEquals(ProviderStandInsTestResource.WHATSAPP_CONTENT_SID, message.template());
        assertEquals(code, message.code());
        assertNull(message.body(), "no free-form body");
        assertEquals("+15005550004", message.from());
        assertEquals(message.sid(), sent.get("providerMessageId").asText());
        assertTrue(sink.messagesTo(number).isEmpty(), "no SMS");
    }

    @Test
    void telnyxSendsAWhatsappCodeAsMetasAuthenticationTemplateWithTheCodeInBodyAndCopyCodeButton() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms("telnyx-whatsapp-tenant", number, code).withPlan(List.of(Channel.WHATSAPP));
        job.publish(json);

        JsonNode sent = new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("telnyx-whatsapp", sent.get("provider").asText());
        List<SmsSink.Message> received = sink.whatsappTo(number);
        assertEquals(1, received.size());
        SmsSink.Message message = received.get(0);
        assertEquals("telnyx", message.provider());
        assertEquals(ProviderStandInsTestResource.WHATSAPP_TEMPLATE + "/en_US", message.template());
        assertEquals(code, message.code(), "the sink takes it only when body and button carry the same code");
        assertNull(message.body(), "no free-form text");
        assertEquals("+15005550005", message.from());
        assertEquals(message.sid(), sent.get("providerMessageId").asText());
    }
}
