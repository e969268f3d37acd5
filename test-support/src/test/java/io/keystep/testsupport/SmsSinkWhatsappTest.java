package io.keystep.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sink refuses WhatsApp that is not an approved template, as Twilio and Telnyx do, and records what it took. */
class SmsSinkWhatsappTest {

    private static final String SID = "AC00000000000000000000000000000001";
    private static final String TOKEN = "sink-token";
    private static final String TELNYX_KEY = "KEYsink";
    private static final String CONTENT_SID = "HX0123456789abcdef0123456789abcdef";
    private static final String NUMBER = "+14155552671";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static SmsSink sink;

    @BeforeAll
    static void start() {
        sink = SmsSink.start(0, SID, TOKEN, TELNYX_KEY);
    }

    @AfterAll
    static void stop() {
        sink.close();
    }

    @BeforeEach
    void empty() {
        sink.clear();
    }

    @Test
    void twilioRefusesAFreeFormWhatsappBodyWithError63016() throws Exception {
        HttpResponse<String> answer = twilio(form("To", "whatsapp:" + NUMBER, "From", "whatsapp:+15005550004",
                "Body", "Your code is 482913"));
        assertTwilioError(answer, 63016);
        assertTrue(sink.whatsappTo(NUMBER).isEmpty(), "nothing recorded");
    }

    @Test
    void twilioRefusesAMalformedContentSidOrContentVariables() throws Exception {
        assertTwilioError(twilio(whatsapp("HX123", "{\"1\":\"482913\"}")), 21655);
        assertTwilioError(twilio(whatsapp("MG0123456789abcdef0123456789abcdef", "{\"1\":\"482913\"}")), 21655);
        assertTwilioError(twilio(whatsapp(CONTENT_SID, "482913")), 21656);
        assertTwilioError(twilio(whatsapp(CONTENT_SID, "{\"1\":\"\"}")), 21656);
        assertTwilioError(twilio(whatsapp(CONTENT_SID, "{\"2\":\"482913\"}")), 21656);
        assertTwilioError(twilio(whatsapp(CONTENT_SID, "{\"1\":\"48\\n2913\"}")), 21656);
        assertTwilioError(twilio(form("To", "whatsapp:" + NUMBER, "From", "whatsapp:+15005550004",
                "ContentVariables", "{\"1\":\"482913\"}")), 21654);
        assertTrue(sink.messages().isEmpty(), "nothing recorded");
    }

    @Test
    void twilioTakesTheTemplateAndRecordsTheCodeOfVariableOne() throws Exception {
        HttpResponse<String> answer = twilio(whatsapp(CONTENT_SID, "{\"1\":\"482913\"}"));
        assertEquals(201, answer.statusCode(), answer.body());
        List<SmsSink.Message> received = sink.whatsappTo(NUMBER);
        assertEquals(1, received.size());
        SmsSink.Message message = received.get(0);
        assertEquals("482913", message.code());
        assertEquals(CONTENT_SID, message.template());
        assertEquals("twilio", message.provider());
        assertNull(message.body());
        assertEquals(message.sid(), JSON.readTree(answer.body()).get("sid").asText());
        assertTrue(sink.messagesTo(NUMBER).isEmpty(), "a WhatsApp message is not an SMS");
    }

    @Test
    void twilioSmsStillTakesABody() throws Exception {
        assertEquals(201, twilio(form("To", NUMBER, "From", "+15005550006", "Body", "Your code is 482913")).statusCode());
        assertEquals("Your code is 482913", sink.messagesTo(NUMBER).get(0).body());
    }

    @Test
    void telnyxRefusesWhatsappTextOutsideTheWindow() throws Exception {
        ObjectNode request = telnyxRequest();
        request.putObject("whatsapp_message").put("type", "text").putObject("text").put("body", "Your code is 482913");
        assertTelnyxError(telnyx(request), 131047);
        assertTrue(sink.whatsappTo(NUMBER).isEmpty(), "nothing recorded");
    }

    @Test
    void telnyxRefusesAnAuthenticationTemplateWithoutTheCodeInTheBodyAndTheButton() throws Exception {
        ObjectNode noButton = templateRequest("482913", "482913");
        ((ArrayNode) noButton.at("/whatsapp_message/template/components")).remove(1);
        assertTelnyxError(telnyx(noButton), 132000);

        ObjectNode noBodyParameter = templateRequest("482913", "482913");
        ((ObjectNode) noBodyParameter.at("/whatsapp_message/template/components/0")).putArray("parameters");
        assertTelnyxError(telnyx(noBodyParameter), 132000);

        ObjectNode quickReplyButton = templateRequest("482913", "482913");
        ((ObjectNode) quickReplyButton.at("/whatsapp_message/template/components/1")).put("sub_type", "quick_reply");
        assertTelnyxError(telnyx(quickReplyButton), 132000);

        assertTelnyxError(telnyx(templateRequest("482913", "111111")), 131009);

        ObjectNode noName = templateRequest("482913", "482913");
        ((ObjectNode) noName.at("/whatsapp_message/template")).remove("name");
        assertTelnyxError(telnyx(noName), 10004);
        assertTrue(sink.messages().isEmpty(), "nothing recorded");
    }

    @Test
    void telnyxTakesTheTemplateAndRecordsItsCode() throws Exception {
        HttpResponse<String> answer = telnyx(templateRequest("482913", "482913"));
        assertEquals(200, answer.statusCode(), answer.body());
        SmsSink.Message message = sink.whatsappTo(NUMBER).get(0);
        assertEquals("482913", message.code());
        assertEquals("keystep_code/en_US", message.template());
        assertEquals("telnyx", message.provider());
        assertEquals(message.sid(), JSON.readTree(answer.body()).at("/data/id").asText());
    }

    @Test
    void telnyxRefusesAnotherApiKey() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(sink.baseUrl() + "/v2/messages/whatsapp"))
                .header("Authorization", "Bearer KEYother").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(templateRequest("482913", "482913").toString())).build();
        assertTelnyxError(HTTP.send(request, HttpResponse.BodyHandlers.ofString()), 10009);
    }

    private static Map<String, String> whatsapp(String contentSid, String variables) {
        return form("To", "whatsapp:" + NUMBER, "From", "whatsapp:+15005550004", "ContentSid", contentSid,
                "ContentVariables", variables);
    }

    private static Map<String, String> form(String... pairs) {
        Map<String, String> form = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            form.put(pairs[i], pairs[i + 1]);
        }
        return form;
    }

    private static HttpResponse<String> twilio(Map<String, String> form) throws IOException, InterruptedException {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        String basic = Base64.getEncoder().encodeToString((SID + ":" + TOKEN).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(sink.baseUrl() + "/2010-04-01/Accounts/" + SID
                        + "/Messages.json"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static ObjectNode telnyxRequest() {
        return JSON.createObjectNode().put("from", "+15005550002").put("to", NUMBER);
    }

    /** Meta's authentication-template message with {@code bodyCode} and {@code buttonCode} as the parameters. */
    private static ObjectNode templateRequest(String bodyCode, String buttonCode) {
        ObjectNode request = telnyxRequest();
        ObjectNode template = request.putObject("whatsapp_message").put("type", "template").putObject("template");
        template.put("name", "keystep_code").putObject("language").put("code", "en_US");
        ArrayNode components = template.putArray("components");
        components.addObject().put("type", "body").putArray("parameters").addObject().put("type", "text")
                .put("text", bodyCode);
        components.addObject().put("type", "button").put("sub_type", "url").put("index", "0").putArray("parameters")
                .addObject().put("type", "text").put("text", buttonCode);
        return request;
    }

    private static HttpResponse<String> telnyx(ObjectNode body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(sink.baseUrl() + "/v2/messages/whatsapp"))
                .header("Authorization", "Bearer " + TELNYX_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertTwilioError(HttpResponse<String> answer, int code) throws IOException {
        JsonNode error = JSON.readTree(answer.body());
        assertEquals(400, answer.statusCode(), answer.body());
        assertEquals(code, error.get("code").asInt(), answer.body());
        assertEquals(400, error.get("status").asInt());
        assertEquals("https://www.twilio.com/docs/errors/" + code, error.get("more_info").asText());
    }

    private static void assertTelnyxError(HttpResponse<String> answer, int code) throws IOException {
        JsonNode error = JSON.readTree(answer.body()).at("/errors/0");
        assertTrue(answer.statusCode() == 401 || answer.statusCode() == 422, answer.body());
        assertEquals(String.valueOf(code), error.get("code").asText(), answer.body());
        assertTrue(error.hasNonNull("title") && error.hasNonNull("detail"), answer.body());
    }
}
