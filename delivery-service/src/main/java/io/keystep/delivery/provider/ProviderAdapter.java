package io.keystep.delivery.provider;

import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;

import java.util.Set;

/** A provider's API, spoken over HTTP (or SMTP). Implementations never fail the Uni: they answer {@link SendOutcome}. */
public interface ProviderAdapter {

    /** The provider's configured name, as it appears in status events, metrics and receipt URLs. */
    String name();

    /** The channels this provider can carry. */
    Set<Channel> channels();

    Uni<SendOutcome> send(OutboundMessage message);

    /**
     * Reads a delivery receipt the provider posted, after checking its signature.
     *
     * @throws ReceiptRejected when the signature does not verify or the receipt cannot be read
     */
    default Receipt readReceipt(ReceiptRequest request) {
        throw new ReceiptRejected(404, "provider " + name() + " sends no receipts");
    }
}
