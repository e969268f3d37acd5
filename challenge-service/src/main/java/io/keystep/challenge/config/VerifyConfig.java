package io.keystep.challenge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Send limits, lockout and API defaults of the Verify API. */
@ConfigMapping(prefix = "keystep.verify")
public interface VerifyConfig {

    /** Minimum time between two sends to one destination. */
    @WithDefault("PT30S")
    Duration destinationCooldown();

    /** Window of {@link #destinationMaxSends()}. */
    @WithDefault("PT10M")
    Duration destinationWindow();

    @WithDefault("5")
    int destinationMaxSends();

    /**
     * Window of {@link #ipMaxSends()}. The client IP is the {@code clientIp} a gateway states in the request body;
     * else the first address, walking {@link #forwardedHeader()} from the right, that is not one of the
     * {@link #trustedProxies()}; else the connection's address. An IPv6 client counts by its /64.
     */
    @WithDefault("PT10M")
    Duration ipWindow();

    @WithDefault("30")
    int ipMaxSends();

    /**
     * Proxies in front of the service (addresses or CIDR ranges, {@code none} for none) whose forwarded header is
     * believed, hop by hop from the right; from any other peer the header is ignored. The default trusts this host
     * only (a sidecar).
     */
    @WithDefault("127.0.0.0/8,::1/128")
    java.util.List<String> trustedProxies();

    /** The header the trusted proxies append to: {@code X_FORWARDED_FOR} or {@code FORWARDED} (RFC 7239). */
    @WithDefault("X_FORWARDED_FOR")
    io.keystep.kit.web.ClientAddresses.Header forwardedHeader();

    /** Window of {@link #tenantMaxSends()}. */
    @WithDefault("PT1M")
    Duration tenantWindow();

    @WithDefault("1000")
    int tenantMaxSends();

    /** Channels {@code auto} tries for a phone number, in order. */
    @WithDefault("SMS,WHATSAPP,VOICE")
    String autoChannels();

    /** How long an {@code Idempotency-Key} keeps answering with its verification. */
    @WithDefault("PT24H")
    Duration idempotencyTtl();

    /** Window in which {@link #failuresToLock()} failed checks lock a user's OTP verification. */
    @WithDefault("PT15M")
    Duration failureWindow();

    @WithDefault("10")
    int failuresToLock();

    /** First lockout; each further lockout doubles it, up to {@link #maxLockout()}. */
    @WithDefault("PT30S")
    Duration firstLockout();

    @WithDefault("PT1H")
    Duration maxLockout();

    /**
     * The fewest digits a code may have where the tenant sets nothing shorter ({@code minCodeLength}, 4-10). Codes
     * for purposes {@code factor_change} and {@code recovery} have at least 6 whatever is set.
     */
    @WithDefault("6")
    int minCodeLength();

    /** Consecutive failed checks after which the factor is suspended until recovery (NIST SP 800-63B 5.2.2). */
    @WithDefault("100")
    int failuresToSuspend();

    /**
     * How long a tenant's settings are used from memory before PostgreSQL is read again. A change through
     * {@code PUT /v1/settings/verify} takes effect at once on the instance that made it, on other instances
     * within this time.
     */
    @WithDefault("PT10S")
    Duration settingsCacheTtl();
}
