package io.keystep.challenge.domain;

import io.keystep.events.Channel;
import io.keystep.events.Purpose;

import java.time.Duration;
import java.util.List;
import java.util.Map;


/**
 * The Verify defaults in force for one tenant: the platform's, overridden by the tenant within bounds.
 *
 * @param codeLength   digits of a code (4-10), never fewer than the tenant's {@code minCodeLength}
 * @param codeTtl      how long a code works (1-10 minutes)
 * @param maxAttempts  checks per verification (1-10)
 * @param autoChannels what {@code channel: auto} tries for a phone number, in order
 * @param limits       every field of {@link #LIMITS} with its value in force
 * @param allowedCountries the regions (ISO 3166-1 alpha-2, as libphonenumber names them) a code may be sent to
 *                     by phone; empty = every region
 */
public record TenantSettings(int codeLength, Duration codeTtl, int maxAttempts, List<Channel> autoChannels,
                             Map<String, Integer> limits, List<String> allowedCountries) {

    /** Settings that allow every destination region. */
    public TenantSettings(int codeLength, Duration codeTtl, int maxAttempts, List<Channel> autoChannels,
                          Map<String, Integer> limits) {
        this(codeLength, codeTtl, maxAttempts, autoChannels, limits, List.of());
    }

    /** Whether a phone number of {@code region} may receive a code. */
    public boolean allowsRegion(String region) {
        return allowedCountries.isEmpty() || allowedCountries.contains(region);
    }

    /** One tenant-changeable limit: its name on the API, and its bounds. */
    public record Bound(String field, int min, int max) {
    }

    /**
     * The send limits, lockout thresholds and code-length minimum a tenant may change, with bounds that keep NIST SP
     * 800-63B 5.2.2's floor: a cooldown is never 0, a lockout always happens and waits, and no more than 100
     * consecutive failures pass before the factor is suspended.
     */
    public static final List<Bound> LIMITS = List.of(
            new Bound("destinationCooldownSeconds", 5, 600),
            new Bound("destinationWindowSeconds", 60, 86_400),
            new Bound("destinationMaxSends", 1, 20),
            new Bound("ipWindowSeconds", 60, 86_400),
            new Bound("ipMaxSends", 1, 10_000),
            new Bound("tenantWindowSeconds", 10, 86_400),
            new Bound("tenantMaxSends", 1, 1_000_000),
            new Bound("failureWindowSeconds", 60, 86_400),
            new Bound("failuresToLock", 3, 20),
            new Bound("firstLockoutSeconds", 5, 3_600),
            new Bound("maxLockoutSeconds", 60, 86_400),
            new Bound("failuresToSuspend", 10, 100),
            new Bound("minCodeLength", 4, 10));

    public TenantSettings {
        limits = Map.copyOf(limits);
        allowedCountries = allowedCountries == null ? List.of() : List.copyOf(allowedCountries);
        // A code length set before the minimum (or a platform default below it) gives way to the minimum.
        codeLength = Math.max(codeLength, limits.getOrDefault("minCodeLength", DEFAULT_MIN_CODE_LENGTH));
    }

    /** The fewest digits a code of this tenant may have: 6 unless the tenant allows fewer explicitly. */
    public int minCodeLength() {
        return limits.getOrDefault("minCodeLength", DEFAULT_MIN_CODE_LENGTH);
    }

    /**
     * The fewest digits a code for {@code purpose} may have: a code that changes factors or recovers an account
     * (step-up, recovery) has at least {@link #GUARDING_MIN_CODE_LENGTH}, whatever the tenant allows elsewhere.
     */
    public int minCodeLength(Purpose purpose) {
        return guards(purpose) ? Math.max(minCodeLength(), GUARDING_MIN_CODE_LENGTH) : minCodeLength();
    }

    /** The digits of a code for {@code purpose} when the request names none. */
    public int codeLength(Purpose purpose) {
        return Math.max(codeLength, minCodeLength(purpose));
    }

    private static boolean guards(Purpose purpose) {
        return purpose == Purpose.FACTOR_CHANGE || purpose == Purpose.RECOVERY;
    }

    private Duration seconds(String field) {
        return Duration.ofSeconds(limits.get(field));
    }

    /** The send limits in force. */
    public SendLimits sendLimits() {
        return new SendLimits(seconds("destinationCooldownSeconds"), seconds("destinationWindowSeconds"),
                limits.get("destinationMaxSends"), seconds("ipWindowSeconds"), limits.get("ipMaxSends"),
                seconds("tenantWindowSeconds"), limits.get("tenantMaxSends"));
    }

    /** The lockout thresholds in force. */
    public LockoutRules lockoutRules() {
        return new LockoutRules(seconds("failureWindowSeconds"), limits.get("failuresToLock"),
                seconds("firstLockoutSeconds"), seconds("maxLockoutSeconds"), limits.get("failuresToSuspend"));
    }

    public static final int MIN_CODE_LENGTH = 4;
    /** The minimum length of a tenant that has not set {@code minCodeLength}. */
    public static final int DEFAULT_MIN_CODE_LENGTH = 6;
    /** The minimum length of codes for purposes {@code factor_change} and {@code recovery}, for every tenant. */
    public static final int GUARDING_MIN_CODE_LENGTH = 6;
    public static final int MAX_CODE_LENGTH = 10;
    public static final Duration MIN_TTL = Duration.ofMinutes(1);
    public static final Duration MAX_TTL = Duration.ofMinutes(10);
    public static final int MIN_ATTEMPTS = 1;
    public static final int MAX_ATTEMPTS = 10;
}
