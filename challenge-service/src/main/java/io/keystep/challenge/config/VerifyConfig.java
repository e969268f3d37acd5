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
     * Window of {@link #ipMaxSends()}; the client IP is the first {@code X-Forwarded-For} entry of a trusted proxy
     * ({@code quarkus.http.proxy.trusted-proxies}), else the connection's address.
     */
    @WithDefault("PT10M")
    Duration ipWindow();

    @WithDefault("30")
    int ipMaxSends();

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
