package io.keystep.console.screens;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.qute.TemplateData;

import java.util.ArrayList;
import java.util.List;

/**
 * One audit event as the console lists it: what happened, to whom, and a one-line summary of the payload's telling
 * fields. The payload shown is the trail's, already redacted by audit-service.
 */
@TemplateData
public record EventRow(String eventId, String type, String occurredAt, String userId, String correlationId,
                       String summary, String payload) {

    private static final List<String> TELLING = List.of("decision", "outcome", "channel", "status", "provider",
            "limit", "change", "reason", "factor", "score", "destination");

    public static EventRow of(JsonNode event) {
        JsonNode payload = event.path("payload");
        List<String> parts = new ArrayList<>();
        for (String field : TELLING) {
            JsonNode value = payload.get(field);
            if (value != null && !value.isNull() && !value.isContainerNode()) {
                parts.add(field + " " + value.asText());
            }
        }
        if (payload.has("channelPlan") && !payload.has("channel")) {
            parts.add("channel " + payload.path("channelPlan").path(0).asText());
        }
        if (payload.path("reasons").isArray() && !payload.path("reasons").isEmpty()) {
            List<String> reasons = new ArrayList<>();
            payload.path("reasons").forEach(r -> reasons.add(r.asText()));
            parts.add("reasons " + String.join(", ", reasons));
        }
        return new EventRow(event.path("eventId").asText(), event.path("type").asText(),
                event.path("occurredAt").asText(), event.path("userId").asText(null),
                event.path("correlationId").asText(null), String.join(" · ", parts), payload.toPrettyString());
    }

    public static List<EventRow> list(JsonNode events) {
        List<EventRow> rows = new ArrayList<>();
        if (events != null && events.isArray()) {
            events.forEach(e -> rows.add(of(e)));
        }
        return rows;
    }
}
