package io.keystep.events;

/** A way to carry a one-time code to a person. */
public enum Channel {
    SMS, WHATSAPP, VOICE, EMAIL
}
