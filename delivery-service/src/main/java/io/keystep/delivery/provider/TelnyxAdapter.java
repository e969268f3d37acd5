package io.keystep.delivery.provider;

import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

import java.security.PublicKey;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Telnyx's messaging API: {@code POST {base}/v2/messages} with a JSON body ({@code from}, {@code to}, {@code text},
 * {@code messaging_profile_id}), {@code Authorization: Bearer <api key>}; the answer's {@code data.id} identifies the
 * message. WhatsApp goes to {@code POST {base}/v2/messages/whatsapp} as Meta's authentication-template message: the
 * account's approved template by name and language, the code as the body's text parameter and again as the parameter
 * of the copy-code button (a {@code button} component, {@code sub_type} {@code url}, index 0); never as free-form text,
 * which WhatsApp refuses outside a 24-hour customer window. Receipts ({@code message.finalized} webhooks) are signed
 * with Ed25519 over {@code timestamp|body}.
 */
public final class TelnyxAdapter implements ProviderAdapter {

    /**
     * Connection settings. {@code whatsappFrom} defaults to {@code from}; {@code whatsappTemplateName} and
     * {@code whatsappTemplateLanguage} name the approved WhatsApp authentication template (without a name, WhatsApp is
     * refused rather than sent free-form).
     */
    public record Settings(String name, String baseUrl, String apiKey, String from, String messagingProfileId,
                           String publicKey, String webhookUrl, Duration timeout, Set<Channel> channels,
                           String whatsappFrom, String whatsappTemplateName, String whatsappTemplateLanguage) {

        @Override
        public String toString() {
            // Records print every field; these hold credentials.
            return "Settings[name=" + name + ", channels=" + channels + "]";
        }
    }

    private final WebClient client;
    private final Settings settings;
    private final PublicKey receiptKey;

    public TelnyxAdapter(WebClient client, Settings settings) {
        this.client = client;
        this.settings = settings;
        this.receiptKey = settings.publicKey() == null ? null : Signatures.ed25519(settings.publicKey());
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
        String base = settings.baseUrl().endsWith("/")
                ? settings.baseUrl().substring(0, settings.baseUrl().length() - 1) : settings.baseUrl();
        return switch (message.channel()) {
            case SMS -> {
                JsonObject body = new JsonObject().put("from", settings.from()).put("to", message.to())
                        .put("text", message.body()).put("type", "SMS");
                if (settings.messagingProfileId() != null) {
                    body.put("messaging_profile_id", settings.messagingProfileId());
                }
                yield post(base + "/v2/messages", body);
            }
            case WHATSAPP -> {
                Optional<SendOutcome.Refused> unfit = WhatsAppTemplates.unfit(message, settings.whatsappTemplateName());
                yield unfit.isPresent() ? Uni.createFrom().item(unfit.get())
                        : post(base + "/v2/messages/whatsapp", whatsapp(message));
            }
            default -> Uni.createFrom().item(new SendOutcome.Refused("CHANNEL_NOT_SUPPORTED", false));
        };
    }

    /** The authentication-template message: the code fills the body's only parameter and the copy-code button. */
    private JsonObject whatsapp(OutboundMessage message) {
        JsonArray codeParameter = new JsonArray().add(new JsonObject().put("type", "text").put("text", message.code()));
        JsonObject template = new JsonObject()
                .put("name", settings.whatsappTemplateName())
                .put("language", new JsonObject().put("code", settings.whatsappTemplateLanguage()))
                .put("components", new JsonArray()
                        .add(new JsonObject().put("type", "body").put("parameters", codeParameter))
                        .add(new JsonObject().put("type", "button").put("sub_type", "url").put("index", "0")
                                .put("parameters", codeParameter.copy())));
        String from = settings.whatsappFrom() == null || settings.whatsappFrom().isBlank()
                ? settings.from() : settings.whatsappFrom();
        return new JsonObject().put("from", from).put("to", message.to())
                .put("whatsapp_message", new JsonObject().put("type", "template").put("template", template));
    }

    private Uni<SendOutcome> post(String url, JsonObject body) {
        if (settings.webhookUrl() != null) {
            body.put("webhook_url", settings.webhookUrl());
        }
        return client.postAbs(url)
                .bearerTokenAuthentication(settings.apiKey())
                .timeout(settings.timeout().toMillis())
                .sendJsonObject(body)
                .ifNoItem().after(settings.timeout()).fail()
                .map(TelnyxAdapter::outcome)
                .onFailure().recoverWithItem(HttpOutcomes::failure);
    }

    private static SendOutcome outcome(HttpResponse<?> response) {
        if (response.statusCode() / 100 != 2) {
            return HttpOutcomes.status(response.statusCode());
        }
        try {
            JsonObject data = response.bodyAsJsonObject().getJsonObject("data");
            return new SendOutcome.Accepted(data == null ? null : data.getString("id"));
        } catch (RuntimeException e) {
            return new SendOutcome.Accepted(null);
        }
    }

    @Override
    public Receipt readReceipt(ReceiptRequest request) {
        if (receiptKey == null) {
            throw new ReceiptRejected(404, "no public key configured for " + name());
        }
        String timestamp = request.header("telnyx-timestamp");
        Signatures.requireFresh(timestamp, request.receivedAt(), request.maxSkew());
        if (!Signatures.verifyEd25519(receiptKey, timestamp + "|" + request.body(),
                request.header("telnyx-signature-ed25519"))) {
            throw new ReceiptRejected(401, "signature does not verify");
        }
        JsonObject payload;
        try {
            payload = new JsonObject(request.body()).getJsonObject("data").getJsonObject("payload");
        } catch (RuntimeException e) {
            throw new ReceiptRejected(400, "not a Telnyx webhook");
        }
        String id = payload == null ? null : payload.getString("id");
        if (id == null) {
            throw new ReceiptRejected(400, "data.payload.id is required");
        }
        JsonArray to = payload.getJsonArray("to");
        String status = to == null || to.isEmpty() ? null : to.getJsonObject(0).getString("status");
        if (status == null) {
            return new Receipt(id, Receipt.Kind.IN_PROGRESS, null);
        }
        return switch (status.toLowerCase(Locale.ROOT)) {
            case "delivered" -> new Receipt(id, Receipt.Kind.DELIVERED, null);
            case "delivery_failed", "sending_failed", "delivery_unconfirmed" -> new Receipt(id, Receipt.Kind.FAILED,
                    "RECEIPT_" + status.toUpperCase(Locale.ROOT));
            default -> new Receipt(id, Receipt.Kind.IN_PROGRESS, null);
        };
    }
}
