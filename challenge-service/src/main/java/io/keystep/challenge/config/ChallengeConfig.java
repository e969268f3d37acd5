package io.keystep.challenge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How challenges are made and checked. The pepper has no default: a missing secret stops start-up. */
@ConfigMapping(prefix = "keystep.challenge")
public interface ChallengeConfig {

    /** Base64 server secret (at least 32 bytes) keying the HMAC that is all Redis ever holds of a code. */
    String codePepper();

    /** Digits of a login challenge's code. */
    @WithDefault("6")
    int codeLength();

    /** How long a code works. */
    @WithDefault("PT5M")
    Duration codeTtl();

    /** Checks a challenge allows before it locks. */
    @WithDefault("5")
    int maxAttempts();

    /** How long a challenge record outlives its expiry, so that a late check answers {@code expired}, not 404. */
    @WithDefault("PT10M")
    Duration retainAfterExpiry();

    /** How long a login's decision stays readable through {@code GET /v1/logins/{loginId}}. */
    @WithDefault("PT24H")
    Duration loginDecisionTtl();

    /** Language of the messages sent for login challenges. */
    @WithDefault("en")
    String locale();

    /**
     * Logins decided at once by the {@code risk.assessed.v1} consumer (each waits on Redis, PostgreSQL and Kafka);
     * verdicts of one user are still decided one after another.
     */
    @WithDefault("128")
    int loginConcurrency();
}
