package io.keystep.testsupport;

import io.keystep.testsupport.SmsSink.Message;
import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import static io.keystep.testsupport.SmsSink.JSON;
import static io.keystep.testsupport.SmsSink.MAX_CODE_LENGTH;
import static io.keystep.testsupport.SmsSink.respond;

/**
 * The sink's Twilio Messages API: SMS with {@code Body}; WhatsApp ({@code whatsapp:} addresses) only as an approved
 * template by {@code ContentSid} with {@code ContentVariables}, refused with Twilio's own error codes otherwise.
 */
final class TwilioMessagesStandIn {

    private static final String TWILIO_ERRORS = "https://www.twilio.com/docs/errors/";
    private static final Pattern CONTENT_SID = Pattern.compile("HX[0-9a-fA-F]{32}");
    /** What Twilio refuses in a content variable: a newline, a tab, or more than four spaces in a row. */
    private static final Pattern UNFIT_VARIABLE = Pattern.compile("[\\n\\t]| {5,}");

    private final SmsSink sink;
    private final String accountSid;
    private final String authToken;

    TwilioMessagesStandIn(SmsSink sink, String accountSid, String authToken) {
        this.sink = sink;
        this.accountSid = accountSid;
        this.authToken = authToken;
    }

    void accept(HttpExchange exchange, String sidInPath) throws IOException {
        if (!authorized(exchange.getRequestHeaders().getFirst("Authorization")) || !accountSid.equals(sidInPath)) {
            error(exchange, 401, 20003, "Authenticate");
            return;
        }
        if (sink.failingNow()) {
            error(exchange, sink.failureStatus(), 20500, "unavailable");
            return;
        }
        Map<String, String> form = parseForm(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String to = form.get("To");
        String body = form.get("Body");
        String contentSid = form.get("ContentSid");
        if (form.containsKey("ContentVariables") && contentSid == null) {
            error(exchange, 400, 21654, "ContentSid Required");
            return;
        }
        if (to != null && to.startsWith("whatsapp:")) {
            acceptWhatsapp(exchange, form);
            return;
        }
        if (to == null || body == null) {
            error(exchange, 400, 21604, "A 'To' and a 'Body' are required");
            return;
        }
        Message message = sink.record("SM", "twilio", "sms", to, form.get("From"), body, null, null);
        Map<String, Object> answer = answer(message);
        answer.put("body", body);
        respond(exchange, 201, "application/json", JSON.writeValueAsBytes(answer));
    }

    /** A business-initiated WhatsApp message: only an approved template, sent by Content SID with its variables. */
    private void acceptWhatsapp(HttpExchange exchange, Map<String, String> form) throws IOException {
        String from = form.get("From");
        if (from == null || !from.startsWith("whatsapp:")) {
            error(exchange, 400, 63007, "Twilio could not find a Channel with the specified From address");
            return;
        }
        String contentSid = form.get("ContentSid");
        if (contentSid == null) {
            if (form.get("Body") == null) {
                error(exchange, 400, 21619, "A text message body or media urls must be specified.");
            } else {
                error(exchange, 400, 63016, "Failed to send freeform message because you are outside the allowed"
                        + " window. If you are using WhatsApp, please use a Message Template.");
            }
            return;
        }
        if (!CONTENT_SID.matcher(contentSid).matches()) {
            error(exchange, 400, 21655, "The ContentSid is Invalid");
            return;
        }
        Map<String, Object> variables;
        try {
            variables = JSON.readValue(form.getOrDefault("ContentVariables", "{}"),
                    new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException | RuntimeException e) {
            variables = null;
        }
        boolean fit = variables != null && variables.values().stream().allMatch(v -> v instanceof String text
                && !text.isBlank() && !UNFIT_VARIABLE.matcher(text).find());
        // An authentication template's only variable is the code: without it, the person would get the sample value.
        if (!fit || !(variables.get("1") instanceof String code) || code.length() > MAX_CODE_LENGTH) {
            error(exchange, 400, 21656, "The ContentVariables Parameter is invalid");
            return;
        }
        Message message = sink.record("SM", "twilio", "whatsapp", form.get("To").substring("whatsapp:".length()),
                from.substring("whatsapp:".length()), null, contentSid, code);
        Map<String, Object> answer = answer(message);
        answer.put("to", form.get("To"));
        answer.put("from", from);
        respond(exchange, 201, "application/json", JSON.writeValueAsBytes(answer));
    }

    private Map<String, Object> answer(Message message) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("sid", message.sid());
        answer.put("account_sid", accountSid);
        answer.put("to", message.to());
        answer.put("from", message.from());
        answer.put("status", "queued");
        return answer;
    }

    /** Twilio's REST error: {@code code}, {@code message}, {@code more_info}, {@code status}. */
    private static void error(HttpExchange exchange, int status, int code, String message) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("more_info", TWILIO_ERRORS + code);
        error.put("status", status);
        respond(exchange, status, "application/json", JSON.writeValueAsBytes(error));
    }

    private boolean authorized(String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return false;
        }
        String expected = Base64.getEncoder()
                .encodeToString((accountSid + ":" + authToken).getBytes(StandardCharsets.UTF_8));
        return java.security.MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                header.substring("Basic ".length()).getBytes(StandardCharsets.UTF_8));
    }

    /** An {@code application/x-www-form-urlencoded} body, decoded. */
    static Map<String, String> parseForm(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

}
