package io.keystep.events;

/** What risk-service decides for a login, and what challenge-service tells the gateway. */
public enum Decision {
    ALLOW, CHALLENGE, DENY
}
