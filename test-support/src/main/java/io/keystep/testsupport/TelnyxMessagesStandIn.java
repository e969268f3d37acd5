package io.keystep.testsupport;

import io.keystep.testsupport.SmsSink.Message;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.keystep.testsupport.SmsSink.JSON;
import static io.keystep.testsupport.SmsSink.MAX_CODE_LENGTH;
import static io.keystep.testsupport.SmsSink.respond;

/**
 * The sink's Telnyx messaging API: SMS on {@code /v2/messages}; WhatsApp on {@code /v2/messages/whatsapp} only as
 * Meta's authentication-template message (the code as the body's text parameter and as the copy-code button's),
 * refused with Telnyx's error shape and Meta's codes otherwise.
 */
final class TelnyxMessagesStandIn {

    private final SmsSink sink;
    private final String apiKey;

    TelnyxMessagesStandIn(SmsSink sink, String apiKey) {
        this.sink = sink;
        this.apiKey = apiKey;
    }

    void accept(HttpExchange exchange, boolean whatsapp) throws IOException {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (apiKey == null || header == null || !java.security.MessageDigest.isEqual(
                ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8))) {
            error(exchange, 401, "10009", "Authentication failed",
                    "The required authentication headers were either invalid or not included in the request.");
            return;
        }
        if (sink.failingNow()) {
            error(exchange, sink.failureStatus(), "10007", "Unexpected error", "unavailable");
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(exchange.getRequestBody().readAllBytes());
        } catch (IOException e) {
            request = null;
        }
        if (request == null || !request.isObject()) {
            error(exchange, 400, "10015", "Bad Request", "The request failed because it was not well-formed.");
            return;
        }
        String to = request.path("to").asText(null);
        String from = request.path("from").asText(null);
        if (to == null || from == null) {
            error(exchange, 422, "10004", "Missing required parameter", "'from' and 'to' are required.");
            return;
        }
        if (!whatsapp) {
            String text = request.path("text").asText(null);
            if (text == null) {
                error(exchange, 422, "10004", "Missing required parameter", "'text' is required.");
                return;
            }
            respond(exchange, 200, "application/json", answer(sink.record("", "telnyx", "sms", to, from, text, null,
                    null), "SMS"));
            return;
        }
        acceptWhatsapp(exchange, to, from, request.path("whatsapp_message"));
    }

    /** A business-initiated WhatsApp message: only an authentication template carrying the code twice. */
    private void acceptWhatsapp(HttpExchange exchange, String to, String from, JsonNode message) throws IOException {
        if (!message.isObject()) {
            error(exchange, 422, "10004", "Missing required parameter", "'whatsapp_message' is required.");
            return;
        }
        if (!"template".equals(message.path("type").asText())) {
            // Free-form text reaches only a person who wrote to the business in the last 24 hours.
            error(exchange, 422, "131047", "Re-engagement message", "Message failed to send because more than"
                    + " 24 hours have passed since the customer last replied to this number.");
            return;
        }
        JsonNode template = message.path("template");
        String name = template.path("name").asText("");
        String language = template.path("language").path("code").asText("");
        if (name.isBlank() || language.isBlank()) {
            error(exchange, 422, "10004", "Missing required parameter",
                    "'whatsapp_message.template' needs a 'name' and a 'language.code'.");
            return;
        }
        String bodyCode = null;
        String buttonCode = null;
        for (JsonNode component : template.path("components")) {
            String type = component.path("type").asText();
            if (type.equals("body")) {
                bodyCode = onlyTextParameter(component);
            } else if (type.equals("button") && component.path("sub_type").asText().equals("url")
                    && component.path("index").asText().equals("0")) {
                buttonCode = onlyTextParameter(component);
            }
        }
        if (bodyCode == null || buttonCode == null) {
            error(exchange, 422, "132000", "Number of parameters does not match the expected number of params",
                    "An authentication template needs the code as the body's text parameter and as the parameter of"
                            + " its copy-code button (sub_type url, index 0).");
            return;
        }
        if (!bodyCode.equals(buttonCode) || bodyCode.length() > MAX_CODE_LENGTH) {
            error(exchange, 422, "131009", "Parameter value is not valid",
                    "The code must be the same in the body and the button, and at most 15 characters.");
            return;
        }
        respond(exchange, 200, "application/json", answer(sink.record("", "telnyx", "whatsapp", to, from, null,
                name + "/" + language, bodyCode), "WHATSAPP"));
    }

    /** The text of a component's single {@code text} parameter, or null when it has not exactly one. */
    private static String onlyTextParameter(JsonNode component) {
        JsonNode parameters = component.path("parameters");
        if (!parameters.isArray() || parameters.size() != 1) {
            return null;
        }
        JsonNode parameter = parameters.get(0);
        String text = parameter.path("text").asText("");
        return parameter.path("type").asText().equals("text") && !text.isBlank() ? text : null;
    }

    private static byte[] answer(Message message, String type) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("record_type", "message");
        data.put("id", message.sid());
        data.put("type", type);
        data.put("from", Map.of("phone_number", message.from()));
        data.put("to", List.of(Map.of("phone_number", message.to(), "status", "queued")));
        return JSON.writeValueAsBytes(Map.of("data", data));
    }

    /** Telnyx's error answer: {@code errors[]} of {@code code}, {@code title}, {@code detail}. */
    private static void error(HttpExchange exchange, int status, String code, String title, String detail)
            throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("title", title);
        error.put("detail", detail);
        respond(exchange, status, "application/json", JSON.writeValueAsBytes(Map.of("errors", List.of(error))));
    }

}
