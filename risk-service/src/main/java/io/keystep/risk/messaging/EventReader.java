package io.keystep.risk.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Envelope;
import jakarta.enterprise.context.ApplicationScoped;

/** Parses a record's JSON into a typed envelope; anything malformed is a {@link MalformedEventException}. */
@ApplicationScoped
public class EventReader {

    private final ObjectMapper mapper;

    public EventReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public <T> Envelope<T> read(String json, String expectedType, TypeReference<Envelope<T>> type) {
        if (json == null || json.isBlank()) {
            throw new MalformedEventException("empty record");
        }
        Envelope<T> envelope;
        try {
            envelope = mapper.readValue(json, type);
        } catch (Exception e) {
            // The records' constructors reject missing fields; the message names the field, never the value.
            throw new MalformedEventException(rootMessage(e));
        }
        if (!expectedType.equals(envelope.type())) {
            throw new MalformedEventException("type " + envelope.type() + " where " + expectedType + " was expected");
        }
        return envelope;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
