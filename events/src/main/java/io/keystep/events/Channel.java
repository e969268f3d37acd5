package io.keystep.events;

/**
 * A way to reach a person: a one-time code by SMS, WhatsApp, voice or e-mail, or ({@link #PUSH}) a notification to a
 * paired device that carries only the challenge id and a nonce, its destination {@code fcm:<token>} or
 * {@code apns:<token>}.
 */
public enum Channel {
    SMS, WHATSAPP, VOICE, EMAIL, PUSH
}
