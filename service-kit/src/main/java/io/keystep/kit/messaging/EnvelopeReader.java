package io.keystep.kit.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.keystep.events.Envelope;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Reads a record's JSON into the {@link Envelope} of the event its topic carries. Anything else is a
 * {@link MalformedEventException} whose message names the field at fault, never a value: Jackson's own messages
 * quote the input, so only the field path and the kind of error go on, or the events' own constructor checks, which
 * name the field.
 */
@ApplicationScoped
public class EnvelopeReader {

    private final ObjectMapper mapper;
    /** One reader per payload type, its type resolved once. */
    private final Map<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();

    public EnvelopeReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * The envelope in {@code json}, whose {@link Envelope#type()} must be {@code expectedType} and whose payload
     * must be a {@code payload}.
     *
     * @throws MalformedEventException when it is not
     */
    public <T> Envelope<T> read(String json, String expectedType, Class<T> payload) {
        if (json == null || json.isBlank()) {
            throw new MalformedEventException("empty record");
        }
        Envelope<T> envelope;
        try {
            envelope = readerFor(payload).readValue(json);
        } catch (JsonProcessingException e) {
            throw new MalformedEventException(describe(e));
        } catch (Exception e) {
            throw new MalformedEventException("unreadable record (" + e.getClass().getSimpleName() + ")");
        }
        if (envelope == null) {
            throw new MalformedEventException("empty record");
        }
        if (!expectedType.equals(envelope.type())) {
            throw new MalformedEventException("field type is not " + expectedType);
        }
        return envelope;
    }

    private ObjectReader readerFor(Class<?> payload) {
        return readers.computeIfAbsent(payload, type -> mapper.readerFor(
                mapper.getTypeFactory().constructParametricType(Envelope.class, type)));
    }

    private static String describe(JsonProcessingException e) {
        String path = e instanceof JsonMappingException mapping ? mapping.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")) : "";
        String where = path.isEmpty() ? "" : "in " + path + ": ";
        // An event's constructor refused it: its message names the field and never the value.
        if (e instanceof ValueInstantiationException && e.getCause() != null) {
            Throwable cause = e.getCause();
            return where + (cause instanceof NullPointerException ? cause.getMessage() + " is required"
                    : cause.getMessage());
        }
        if (path.isEmpty()) {
            return "not an event envelope (" + e.getClass().getSimpleName() + ")";
        }
        return "field " + path + " is not valid (" + e.getClass().getSimpleName() + ")";
    }
}
