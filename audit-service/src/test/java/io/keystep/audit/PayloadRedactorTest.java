package io.keystep.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.audit.domain.PayloadRedactor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PayloadRedactorTest {

    private static ObjectNode redact(String json) throws Exception {
        return PayloadRedactor.redact((ObjectNode) Trail.JSON.readTree(json));
    }

    @Test
    void aFieldThatLooksLikeACodeOrASecretIsNeverKept() throws Exception {
        ObjectNode payload = redact("{\"code\":\"123456\",\"otpCode\":\"987654\",\"totp_secret\":\"JBSWY3DPEHPK3PXP\","
                + "\"nested\":{\"password\":\"hunter2\",\"apiToken\":\"abc\"},\"sealedCode\":\"" + Trail.SEALED + "\","
                + "\"note\":\"sealed " + Trail.SEALED + " inside\",\"countryCode\":\"DE\",\"attemptsUsed\":2}");
        assertEquals("[redacted]", payload.get("code").asText());
        assertEquals("[redacted]", payload.get("otpCode").asText());
        assertEquals("[redacted]", payload.get("totp_secret").asText());
        assertEquals("[redacted]", payload.get("nested").get("password").asText());
        assertEquals("[redacted]", payload.get("nested").get("apiToken").asText());
        assertEquals("[sealed]", payload.get("sealedCode").asText());
        assertFalse(payload.toString().contains(Trail.SEALED));
        assertEquals("DE", payload.get("countryCode").asText());
        assertEquals(2, payload.get("attemptsUsed").asInt());
    }

    @Test
    void destinationsAreMaskedWhetherPhoneOrEmail() throws Exception {
        ObjectNode payload = redact("{\"destination\":\"+4915123456678\",\"email\":\"jane.doe@example.com\","
                + "\"to\":\"+1 (415) 555-0100\",\"already\":\"+4915*****678\",\"other\":\"+33612345678\"}");
        assertEquals("+4915******678", payload.get("destination").asText());
        assertEquals("j***@example.com", payload.get("email").asText());
        assertEquals("+1415****100", payload.get("to").asText());
        assertEquals("+4915*****678", payload.get("already").asText());
        assertEquals("+3361****678", payload.get("other").asText());
    }

    @Test
    void rawTextLosesSealedCodesSecretsPhonesAndNulCharacters() {
        String text = PayloadRedactor.redactText("{\"code\": \"123456\", dest +4915123456678 " + Trail.SEALED + " \u0000");
        assertFalse(text.contains("123456\""), text);
        assertFalse(text.contains("+4915123456678"), text);
        assertFalse(text.contains(Trail.SEALED), text);
        assertFalse(text.contains("\u0000"), text);
    }
}
