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
import java.util.Set;

/**
 * Telnyx's messaging API: {@code POST {base}/v2/messages} with a JSON body ({@code from}, {@code to}, {@code text},
 * {@code messaging_profile_id}), {@code Authorization: Bearer <api key>}; the answer's {@code data.id} identifies the
 * message. Receipts ({@code message.finalized} webhooks) are signed with Ed25519 over {@code timestamp|body}.
 */
public final class TelnyxAdapter implements ProviderAdapter {

    public record Settings(String name, String baseUrl, String apiKey, String from, String messagingProfileId,
                           String publicKey, String webhookUrl, Duration timeout, Set<Channel> channels) {

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
        if (message.channel() != Channel.SMS) {
            return Uni.createFrom().item(new SendOutcome.Refused("CHANNEL_NOT_SUPPORTED", false));
        }
        JsonObject body = new JsonObject().put("from", settings.from()).put("to", message.to())
                .put("text", message.body()).put("type", "SMS");
        if (settings.messagingProfileId() != null) {
            body.put("messaging_profile_id", settings.messagingProfileId());
        }
        if (settings.webhookUrl() != null) {
            body.put("webhook_url", settings.webhookUrl());
        }
        String base = settings.baseUrl().endsWith("/")
                ? settings.baseUrl().substring(0, settings.baseUrl().length() - 1) : settings.baseUrl();
        return client.postAbs(base + "/v2/messages")
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
