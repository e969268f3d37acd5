package io.keystep.challenge.domain;

import io.keystep.events.Channel;

import java.time.Duration;
import java.util.List;

/**
 * The Verify defaults in force for one tenant: the platform's, overridden by the tenant within bounds.
 *
 * @param codeLength   digits of a code (4-10)
 * @param codeTtl      how long a code works (1-10 minutes)
 * @param maxAttempts  checks per verification (1-10)
 * @param autoChannels what {@code channel: auto} tries for a phone number, in order
 */
public record TenantSettings(int codeLength, Duration codeTtl, int maxAttempts, List<Channel> autoChannels) {

    public static final int MIN_CODE_LENGTH = 4;
    public static final int MAX_CODE_LENGTH = 10;
    public static final Duration MIN_TTL = Duration.ofMinutes(1);
    public static final Duration MAX_TTL = Duration.ofMinutes(10);
    public static final int MIN_ATTEMPTS = 1;
    public static final int MAX_ATTEMPTS = 10;
}
