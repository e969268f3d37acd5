package io.keystep.events;

/** What happened to one delivery attempt. */
public enum DeliveryStatus {
    SENT, DELIVERED, FAILED, FELL_BACK
}
