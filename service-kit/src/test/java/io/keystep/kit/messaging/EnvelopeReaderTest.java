package io.keystep.kit.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.events.Envelope;
import io.keystep.events.EventSamples;
import io.keystep.events.LoginAttempted;
import io.keystep.events.RiskAssessed;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeReaderTest {

    private final ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule());
    private final EnvelopeReader reader = new EnvelopeReader(mapper);

    private String sample(String type) throws Exception {
        return mapper.writeValueAsString(EventSamples.all().stream().filter(e -> e.type().equals(type))
                .findFirst().orElseThrow());
    }

    @Test
    void readsTheEnvelopeOfTheExpectedType() throws Exception {
        Envelope<LoginAttempted> login = reader.read(sample(LoginAttempted.TYPE), LoginAttempted.TYPE,
                LoginAttempted.class);
        assertEquals(EventSamples.TENANT, login.tenantId());
        assertEquals("warm-up", login.payload().userId());
    }

    @Test
    void anotherEventTypeIsMalformed() throws Exception {
        assertThrows(MalformedEventException.class,
                () -> reader.read(sample(LoginAttempted.TYPE), RiskAssessed.TYPE, RiskAssessed.class));
        String relabelled = sample(LoginAttempted.TYPE).replace("\"" + LoginAttempted.TYPE + "\"",
                "\"" + RiskAssessed.TYPE + "\"");
        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> reader.read(relabelled, LoginAttempted.TYPE, LoginAttempted.class));
        assertTrue(e.getMessage().contains("type"), e.getMessage());
    }

    @Test
    void aMissingFieldIsNamedAndNoValueIsQuoted() throws Exception {
        String json = sample(LoginAttempted.TYPE).replace("\"tenantId\"", "\"tenant\"");
        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> reader.read(json, LoginAttempted.TYPE, LoginAttempted.class));
        assertTrue(e.getMessage().contains("tenantId"), e.getMessage());
        assertFalse(e.getMessage().contains(EventSamples.TENANT), e.getMessage());
    }

    @Test
    void aFieldOfTheWrongFormIsNamedAndItsValueIsNotQuoted() throws Exception {
        String json = sample(LoginAttempted.TYPE).replaceFirst("\"eventId\":\"[^\"]+\"",
                "\"eventId\":\"secret-123456\"");
        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> reader.read(json, LoginAttempted.TYPE, LoginAttempted.class));
        assertTrue(e.getMessage().contains("eventId"), e.getMessage());
        assertFalse(e.getMessage().contains("secret-123456"), e.getMessage());
    }

    @Test
    void textThatIsNotJsonOrNothingAtAllIsMalformedWithoutQuotingIt() {
        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> reader.read("secret-123456 {", LoginAttempted.TYPE, LoginAttempted.class));
        assertFalse(e.getMessage().contains("secret-123456"), e.getMessage());
        assertThrows(MalformedEventException.class, () -> reader.read(null, LoginAttempted.TYPE,
                LoginAttempted.class));
        assertThrows(MalformedEventException.class, () -> reader.read(" ", LoginAttempted.TYPE,
                LoginAttempted.class));
    }
}
