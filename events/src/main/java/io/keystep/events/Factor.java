package io.keystep.events;

/** The factor a person answered a challenge with. */
public enum Factor {
    SMS, WHATSAPP, VOICE, EMAIL, TOTP, HOTP, RECOVERY_CODE, PASSKEY, PUSH
}
