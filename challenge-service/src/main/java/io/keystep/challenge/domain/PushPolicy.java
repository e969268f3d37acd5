package io.keystep.challenge.domain;

import java.time.Duration;

/**
 * A tenant's push approval settings.
 *
 * @param displayName what the app shows as the service asking ("Acme"); the tenant id when not set
 * @param maxPushes   pushes to one user at most within {@code window} since the user's last approved
 *                    verification; past that the login goes to the user's next factor (fatigue limit)
 * @param window      the window of that count
 * @param ttl         how long a push can be answered
 */
public record PushPolicy(String displayName, int maxPushes, Duration window, Duration ttl) {

    public static PushPolicy defaults(String tenantId) {
        return new PushPolicy(tenantId, 3, Duration.ofMinutes(10), Duration.ofSeconds(60));
    }
}
