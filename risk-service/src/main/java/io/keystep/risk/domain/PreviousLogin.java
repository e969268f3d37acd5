package io.keystep.risk.domain;

import java.time.Instant;

/** Where and when the user's previous login with a known place happened. */
public record PreviousLogin(GeoPoint point, Instant at) {
}
