package io.keystep.delivery.provider;

import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * A generic webhook for gateways of one's own: {@code POST {url}} with JSON {@code {id, channel, to, text, subject,
 * tenantId, challengeId}}, signed in {@code X-Keystep-Signature: v1=<hex HMAC-SHA256(secret, timestamp.body)>} with
 * {@code X-Keystep-Timestamp} (epoch seconds). Receipts come back signed the same way: {@code {id, status, reason}}
 * with status {@code delivered} or {@code failed}.
 */
public final class WebhookAdapter implements ProviderAdapter {

    public record Settings(String name, String url, String signingSecret, Duration timeout, Set<Channel> channels) {

        @Override
        public String toString() {
            // Records print every field; these hold credentials.
            return "Settings[name=" + name + ", channels=" + channels + "]";
        }
    }

    private final WebClient client;
    private final Settings settings;
    private final Clock clock;

    public WebhookAdapter(WebClient client, Settings settings, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
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
        String id = UUID.randomUUID().toString();
        JsonObject json = new JsonObject().put("id", id)
                .put("channel", message.channel().name().toLowerCase(Locale.ROOT))
                .put("to", message.to()).put("text", message.body()).put("subject", message.subject())
                .put("tenantId", message.tenantId()).put("challengeId", message.challengeId());
        String body = json.encode();
        String timestamp = String.valueOf(clock.instant().getEpochSecond());
        return client.postAbs(settings.url())
                .putHeader("Content-Type", "application/json")
                .putHeader("X-Keystep-Timestamp", timestamp)
                .putHeader("X-Keystep-Signature", Signatures.webhookSignature(settings.signingSecret(), timestamp, body))
                .timeout(settings.timeout().toMillis())
                .sendBuffer(Buffer.buffer(body))
                .ifNoItem().after(settings.timeout()).fail()
                .map(response -> outcome(response, id))
                .onFailure().recoverWithItem(HttpOutcomes::failure);
    }

    private static SendOutcome outcome(HttpResponse<?> response, String id) {
        if (response.statusCode() / 100 != 2) {
            return HttpOutcomes.status(response.statusCode());
        }
        try {
            JsonObject answer = response.bodyAsJsonObject();
            String given = answer == null ? null : answer.getString("id");
            return new SendOutcome.Accepted(given == null ? id : given);
        } catch (RuntimeException e) {
            return new SendOutcome.Accepted(id);
        }
    }

    @Override
    public Receipt readReceipt(ReceiptRequest request) {
        String timestamp = request.header("X-Keystep-Timestamp");
        Signatures.requireFresh(timestamp, request.receivedAt(), request.maxSkew());
        String expected = Signatures.webhookSignature(settings.signingSecret(), timestamp, request.body());
        if (!Signatures.equal(expected, request.header("X-Keystep-Signature"))) {
            throw new ReceiptRejected(401, "signature does not verify");
        }
        JsonObject receipt;
        try {
            receipt = new JsonObject(request.body());
        } catch (RuntimeException e) {
            throw new ReceiptRejected(400, "body is not JSON");
        }
        String id = receipt.getString("id");
        String status = receipt.getString("status");
        if (id == null || status == null) {
            throw new ReceiptRejected(400, "id and status are required");
        }
        return switch (status.toLowerCase(Locale.ROOT)) {
            case "delivered" -> new Receipt(id, Receipt.Kind.DELIVERED, null);
            case "failed", "undelivered" -> new Receipt(id, Receipt.Kind.FAILED,
                    "RECEIPT_FAILED" + (receipt.getString("reason") == null ? ""
                            : "_" + receipt.getString("reason").toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_")));
            default -> new Receipt(id, Receipt.Kind.IN_PROGRESS, null);
        };
    }
}
