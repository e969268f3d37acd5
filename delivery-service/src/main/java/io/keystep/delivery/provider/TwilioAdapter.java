package io.keystep.delivery.provider;

import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.MultiMap;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Twilio's Messages API: {@code POST {base}/2010-04-01/Accounts/{sid}/Messages.json}, form fields {@code To},
 * {@code From}, {@code Body}, HTTP basic auth with the account sid and auth token. WhatsApp goes through the same
 * API with {@code whatsapp:} addresses, but never with a {@code Body}: WhatsApp refuses free-form text outside a
 * 24-hour customer window (Twilio error 63016), so a code goes out as the account's approved authentication template,
 * {@code ContentSid} with the code as variable {@code "1"} in {@code ContentVariables}. Voice goes through the Calls
 * API with TwiML that speaks the text.
 */
public final class TwilioAdapter implements ProviderAdapter {

    /**
     * Connection settings; {@code whatsappFrom} and {@code voiceFrom} default to {@code from}.
     * {@code whatsappContentSid} is the approved WhatsApp authentication template ({@code HX} + 32 hex digits);
     * without one, WhatsApp is refused rather than sent free-form.
     */
    public record Settings(String name, String baseUrl, String accountSid, String authToken, String from,
                           String whatsappFrom, String voiceFrom, String whatsappContentSid, Duration timeout,
                           Set<Channel> channels, String statusCallbackUrl) {

        @Override
        public String toString() {
            // Records print every field; these hold credentials.
            return "Settings[name=" + name + ", channels=" + channels + "]";
        }
    }

    private final WebClient client;
    private final Settings settings;
    /** Worked out once: the API addresses and the basic authorization header. */
    private final String messagesUrl;
    private final String callsUrl;
    private final String authorization;

    public TwilioAdapter(WebClient client, Settings settings) {
        this.client = client;
        this.settings = settings;
        String base = stripSlash(settings.baseUrl()) + "/2010-04-01/Accounts/" + settings.accountSid();
        this.messagesUrl = base + "/Messages.json";
        this.callsUrl = base + "/Calls.json";
        this.authorization = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (settings.accountSid() + ":" + settings.authToken()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public Set<Channel> channels() {
        return settings.channels();
    }

    @Override
    public Uni<SendOutcome> send(OutboundMessage message) {
        MultiMap form = MultiMap.caseInsensitiveMultiMap();
        String url;
        switch (message.channel()) {
            case SMS -> {
                url = messagesUrl;
                form.add("To", message.to()).add("From", settings.from()).add("Body", message.body());
            }
            case WHATSAPP -> {
                Optional<SendOutcome.Refused> unfit = WhatsAppTemplates.unfit(message, settings.whatsappContentSid());
                if (unfit.isPresent()) {
                    return Uni.createFrom().item(unfit.get());
                }
                url = messagesUrl;
                form.add("To", "whatsapp:" + message.to())
                        .add("From", "whatsapp:" + orDefault(settings.whatsappFrom(), settings.from()))
                        .add("ContentSid", settings.whatsappContentSid())
                        .add("ContentVariables", new JsonObject().put("1", message.code()).encode());
            }
            case VOICE -> {
                url = callsUrl;
                form.add("To", message.to()).add("From", orDefault(settings.voiceFrom(), settings.from()))
                        .add("Twiml", twiml(message.body()));
            }
            default -> {
                return Uni.createFrom().item(new SendOutcome.Refused("CHANNEL_NOT_SUPPORTED", false));
            }
        }
        if (settings.statusCallbackUrl() != null && !settings.statusCallbackUrl().isBlank()) {
            form.add("StatusCallback", settings.statusCallbackUrl());
        }
        long timeoutMillis = settings.timeout().toMillis();
        return client.postAbs(url)
                .putHeader("Authorization", authorization)
                .timeout(timeoutMillis)
                .sendForm(form)
                .ifNoItem().after(settings.timeout()).fail()
                .map(this::outcome)
                .onFailure().recoverWithItem(HttpOutcomes::failure);
    }

    /**
     * Twilio's status callback: form fields {@code MessageSid}/{@code MessageStatus} (or {@code CallSid}/
     * {@code CallStatus}), signed in {@code X-Twilio-Signature} as base64 HMAC-SHA1 of the full URL followed by
     * every field name and value in name order, keyed with the auth token.
     */
    @Override
    public Receipt readReceipt(ReceiptRequest request) {
        java.util.TreeMap<String, String> fields = FormBody.parse(request.body());
        String expected = java.util.Base64.getEncoder().encodeToString(
                Signatures.hmac("HmacSHA1", settings.authToken(), FormBody.signedString(request.url(), fields)));
        if (!Signatures.equal(expected, request.header("X-Twilio-Signature"))) {
            throw new ReceiptRejected(401, "signature does not verify");
        }
        String id = fields.getOrDefault("MessageSid", fields.get("CallSid"));
        String status = fields.getOrDefault("MessageStatus", fields.get("CallStatus"));
        if (id == null || status == null) {
            throw new ReceiptRejected(400, "MessageSid and MessageStatus are required");
        }
        return switch (status.toLowerCase(java.util.Locale.ROOT)) {
            case "delivered", "read", "completed" -> new Receipt(id, Receipt.Kind.DELIVERED, null);
            case "undelivered", "failed", "busy", "no-answer", "canceled" -> new Receipt(id, Receipt.Kind.FAILED,
                    "RECEIPT_" + status.toUpperCase(java.util.Locale.ROOT).replace('-', '_')
                            + (fields.containsKey("ErrorCode") ? "_" + fields.get("ErrorCode") : ""));
            default -> new Receipt(id, Receipt.Kind.IN_PROGRESS, null);
        };
    }

    private SendOutcome outcome(HttpResponse<?> response) {
        if (response.statusCode() / 100 != 2) {
            return HttpOutcomes.status(response.statusCode());
        }
        try {
            JsonObject body = response.bodyAsJsonObject();
            String sid = body == null ? null : body.getString("sid");
            return new SendOutcome.Accepted(sid);
        } catch (RuntimeException e) {
            // The provider took the message but answered something we cannot read: it was still sent.
            return new SendOutcome.Accepted(null);
        }
    }

    /** The call reads the voice text (which already spaces and repeats the digits) with TwiML {@code <Say>}. */
    private static String twiml(String words) {
        String escaped = words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return "<Response><Pause length=\"1\"/><Say>" + escaped + "</Say></Response>";
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
