package io.keystep.delivery.provider;

import io.vertx.core.http.HttpClosedException;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** Maps HTTP answers and transport failures to {@link SendOutcome.Refused}, the same way for every adapter. */
final class HttpOutcomes {

    private HttpOutcomes() {
    }

    static SendOutcome.Refused status(int status) {
        // 429 and 5xx may pass on a later try; other 4xx will fail the same way again.
        boolean retryable = status == 429 || status == 408 || status >= 500;
        return new SendOutcome.Refused("PROVIDER_HTTP_" + status, retryable);
    }

    static SendOutcome.Refused failure(Throwable failure) {
        // Vert.x, Netty and Mutiny each have their own timeout exception; all of them say so in their name.
        if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            return new SendOutcome.Refused("PROVIDER_TIMEOUT", true);
        }
        if (failure instanceof ConnectException || failure instanceof HttpClosedException) {
            return new SendOutcome.Refused("PROVIDER_UNREACHABLE", true);
        }
        return new SendOutcome.Refused("PROVIDER_ERROR", true);
    }
}
