package io.keystep.challenge.factors;

import io.keystep.challenge.store.AuthFactor;

import java.time.Instant;

/**
 * Where an authenticator's code may fall: a TOTP code within one time step either side of now, an HOTP code among
 * the next counters, and, to resynchronise an HOTP counter that ran ahead, two consecutive codes further on.
 */
final class CodeWindows {

    /** TOTP accepts the current step and one either side (RFC 6238 §5.2). */
    static final int TOTP_WINDOW = 1;
    /** HOTP accepts the next counter and up to this many after it (RFC 4226 §7.4). */
    static final int HOTP_LOOK_AHEAD = 10;
    /** How far a resynchronisation searches for two consecutive codes. */
    static final int HOTP_RESYNC_WINDOW = 100;

    private CodeWindows() {
    }

    /** The step (or counter) a code matched, and how far it was from the expected one. */
    record Match(long step, int drift) {
    }

    /** The step {@code code} matches for factor {@code f} under {@code key}; null when none does. */
    static Match match(AuthFactor f, byte[] key, String code, Instant now) {
        Match matched = null;
        if ("TOTP".equals(f.kind)) {
            long step = OneTimePasswords.timeStep(now.getEpochSecond(), f.periodSeconds);
            // Every candidate is computed and compared; the newest match wins.
            for (int d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
                if (OneTimePasswords.sameCode(OneTimePasswords.hotp(key, step + d, f.digits, f.algorithm), code)) {
                    matched = new Match(step + d, d);
                }
            }
            return matched;
        }
        long next = f.lastStep == null ? 0 : f.lastStep + 1;
        for (long c = next; c <= next + HOTP_LOOK_AHEAD; c++) {
            if (OneTimePasswords.sameCode(OneTimePasswords.hotp(key, c, f.digits, f.algorithm), code)) {
                return new Match(c, (int) (c - next));
            }
        }
        return null;
    }

    /**
     * For an HOTP factor, the counter of the second of two consecutive codes found within
     * {@value #HOTP_RESYNC_WINDOW} counters; null when they are not found.
     */
    static Match resync(AuthFactor f, byte[] key, String first, String second) {
        long next = f.lastStep == null ? 0 : f.lastStep + 1;
        for (long c = next; c < next + HOTP_RESYNC_WINDOW; c++) {
            if (OneTimePasswords.sameCode(OneTimePasswords.hotp(key, c, f.digits, f.algorithm), first)
                    && OneTimePasswords.sameCode(OneTimePasswords.hotp(key, c + 1, f.digits, f.algorithm), second)) {
                return new Match(c + 1, (int) (c + 1 - next));
            }
        }
        return null;
    }
}
