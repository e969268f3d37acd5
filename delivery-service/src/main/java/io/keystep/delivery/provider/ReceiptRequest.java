package io.keystep.delivery.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A status callback as it arrived: the URL it was posted to (signatures may cover it), headers with lower-case
 * names, the raw body (signatures cover the exact bytes), the time it arrived and how much clock skew is tolerated.
 */
public record ReceiptRequest(String url, Map<String, String> headers, String body, Instant receivedAt,
                             Duration maxSkew) {

    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
