package io.keystep.challenge.domain;

import java.time.Duration;

/** The limits of one send: the destination's cooldown and window, the client IP's and the tenant's windows. */
public record SendLimits(Duration cooldown, Duration destinationWindow, int destinationMax, Duration ipWindow,
                         int ipMax, Duration tenantWindow, int tenantMax) {
}
