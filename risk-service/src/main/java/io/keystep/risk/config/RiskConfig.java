package io.keystep.risk.config;

import io.keystep.events.Decision;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** risk-service settings: signal windows, the GeoIP database, scoring policies and per-tenant choices. */
@ConfigMapping(prefix = "keystep.risk")
public interface RiskConfig {

    /** A device not seen for this long is new again. */
    @WithDefault("30D")
    Duration deviceWindow();

    /** An hour of the week not used for this long is unusual. */
    @WithDefault("90D")
    Duration hourWindow();

    /** A country not seen for this long is new again. */
    @WithDefault("365D")
    Duration countryWindow();

    /**
     * For this long after a user denied a push as not theirs, their logins carry {@code USER_REPORTED_FRAUD}; 1 to
     * 365 days (reports are kept a year).
     */
    @WithDefault("30D")
    Duration reportedFraudWindow();

    /** How long a login's decision is remembered, so that a redelivered login gets the same answer. */
    @WithDefault("24H")
    Duration decisionMemory();

    Failures failures();

    Settings settings();

    Consumer consumer();

    Experiments experiments();

    /** Signup experiments: when a challenged signup counts as abandoned, and how often that is looked for. */
    interface Experiments {
        /**
         * A challenged signup without an outcome this long after its decision counts as abandoned (never checked).
         * Longer than any code lives in challenge-service (its tenants may set up to 10 minutes), so that a code
         * still valid is never counted abandoned.
         */
        @WithDefault("15M")
        Duration abandonAfter();

        /** How often the signups past their deadline are counted abandoned. */
        @WithDefault("30S")
        Duration sweepEvery();
    }

    /** How the {@code auth.login.v1} consumer works through records. */
    interface Consumer {
        /**
         * Logins of different users decided at once at most; one user's logins are always decided one after the
         * other, in the order of their records.
         */
        @WithDefault("256")
        int maxInFlight();
    }

    Geoip geoip();

    /** The policy used by tenants that name none. */
    @WithDefault("default")
    String defaultPolicy();

    /** Scoring policies by name; {@code default} must exist. */
    Map<String, Policy> policies();

    /** Per-tenant choices by tenant id; a tenant not listed uses the default policy and no lists. */
    Map<String, Tenant> tenants();

    interface Failures {
        /** More failed passwords than this for one user within {@link #userWindow()} steps up. */
        @WithDefault("3")
        int userLimit();

        @WithDefault("30M")
        Duration userWindow();

        /** More failed passwords than this from one IP across users within {@link #ipWindow()} is stuffing. */
        @WithDefault("20")
        int ipLimit();

        @WithDefault("30M")
        Duration ipWindow();
    }

    interface Settings {
        /**
         * How long a tenant's settings are kept in memory before they are read from Redis again. A change made
         * through this instance applies at once; one made through another replica within this time.
         */
        @WithDefault("5S")
        Duration cacheTtl();
    }

    interface Geoip {
        /** Path of a MaxMind-format City database; absent means location signals are off. */
        Optional<String> database();

        /** Faster than this between two consecutive logins is impossible travel. */
        @WithDefault("900")
        double maxSpeedKmh();
    }

    /** Weights and thresholds of one scoring policy. */
    interface Policy {
        @WithDefault("50")
        int newDevice();

        @WithDefault("30")
        int newCountry();

        @WithDefault("60")
        int impossibleTravel();

        /** Counts only when another risk signal is present. */
        @WithDefault("15")
        int unusualHour();

        /** Added (usually negative) when the IP is in the tenant's allow list. */
        @WithDefault("-30")
        int allowedNetwork();

        /** Weight of a trusted-device token that is forged, another login's or device's, or revoked. */
        @WithDefault("20")
        int invalidDeviceToken();

        /** Weight of a user's own report of a sign-in as not theirs; alone it reaches the default challenge-at. */
        @WithDefault("40")
        int userReportedFraud();

        /** A score at or above this challenges. */
        @WithDefault("40")
        int challengeAt();

        /** A score at or above this denies. */
        @WithDefault("100")
        int denyAt();

        /** What credential stuffing from the login's IP leads to: CHALLENGE or DENY. */
        @WithDefault("CHALLENGE")
        Decision onStuffing();
    }

    interface Tenant {
        /** The live policy's name; the default policy when absent. */
        Optional<String> policy();

        /**
         * Policies (comma-separated, usually one) evaluated beside the live one without acting, to see what a
         * change would do; their decisions travel in {@code risk.assessed.v1} as {@code shadowDecisions}.
         */
        Optional<List<String>> shadowPolicy();

        /** Challenge every password-verified login, whatever the score. */
        @WithDefault("false")
        boolean alwaysChallenge();

        /** CIDR ranges that lower the score (a corporate network). */
        Optional<List<String>> allowNetworks();

        /** CIDR ranges whose logins are denied. */
        Optional<List<String>> denyNetworks();
    }
}
