package io.keystep.risk.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keystep.events.Decision;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tenant's overrides of its risk policy (area {@code risk}); a null field keeps the platform default, which is
 * the tenant's configured policy. The same record is the body of {@code PUT /v1/settings/risk} and what is stored.
 *
 * @param newDevice               weight of {@code NEW_DEVICE}
 * @param newCountry              weight of {@code NEW_COUNTRY}
 * @param impossibleTravel        weight of {@code IMPOSSIBLE_TRAVEL}
 * @param unusualHour             weight of {@code UNUSUAL_HOUR}
 * @param invalidDeviceToken      weight of {@code INVALID_DEVICE_TOKEN}
 * @param userReportedFraud       weight of {@code USER_REPORTED_FRAUD}
 * @param allowedNetwork          added for {@code ALLOWED_NETWORK} (zero or negative)
 * @param challengeAt             a score at or above this challenges
 * @param denyAt                  a score at or above this denies
 * @param onStuffing              the least decision under credential stuffing: CHALLENGE or DENY
 * @param alwaysChallenge         challenge every password-verified login
 * @param unusualHourWindowDays   an hour of the week unused for this many days is unusual (the odd-hours window)
 * @param userReportedFraudWindowDays for this many days after the user denied a push as not theirs, their logins
 *                                    carry {@code USER_REPORTED_FRAUD}
 * @param impossibleTravelSpeedKmh faster than this between two located logins is impossible travel
 * @param userFailureLimit        more failed passwords than this for a user in the failure window steps up
 * @param ipFailureLimit          more failed passwords than this from one IP in the failure window is stuffing
 * @param allowNetworks           CIDR ranges that lower the score (replace the configured list)
 * @param denyNetworks            CIDR ranges whose logins are denied (replace the configured list)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RiskSettings(Integer newDevice, Integer newCountry, Integer impossibleTravel, Integer unusualHour,
                           Integer invalidDeviceToken, Integer userReportedFraud, Integer allowedNetwork,
                           Integer challengeAt, Integer denyAt, Decision onStuffing, Boolean alwaysChallenge,
                           Integer unusualHourWindowDays, Integer userReportedFraudWindowDays,
                           Integer impossibleTravelSpeedKmh, Integer userFailureLimit, Integer ipFailureLimit,
                           List<String> allowNetworks, List<String> denyNetworks) {

    /** No override at all: every field at the platform default. */
    public static final RiskSettings NONE = new RiskSettings(null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null, null);

    /** The most CIDR ranges one list may hold. */
    public static final int MAX_NETWORKS = 50;

    public RiskSettings {
        allowNetworks = allowNetworks == null ? null : List.copyOf(allowNetworks);
        denyNetworks = denyNetworks == null ? null : List.copyOf(denyNetworks);
    }

    /** An integer field's bounds, inclusive. */
    public record Bound(String field, int min, int max) {
    }

    /** Every field present, by name, with its value as text (lists comma-separated), in declaration order. */
    public Map<String, String> asText() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "newDevice", newDevice);
        put(m, "newCountry", newCountry);
        put(m, "impossibleTravel", impossibleTravel);
        put(m, "unusualHour", unusualHour);
        put(m, "invalidDeviceToken", invalidDeviceToken);
        put(m, "userReportedFraud", userReportedFraud);
        put(m, "allowedNetwork", allowedNetwork);
        put(m, "challengeAt", challengeAt);
        put(m, "denyAt", denyAt);
        put(m, "onStuffing", onStuffing);
        put(m, "alwaysChallenge", alwaysChallenge);
        put(m, "unusualHourWindowDays", unusualHourWindowDays);
        put(m, "userReportedFraudWindowDays", userReportedFraudWindowDays);
        put(m, "impossibleTravelSpeedKmh", impossibleTravelSpeedKmh);
        put(m, "userFailureLimit", userFailureLimit);
        put(m, "ipFailureLimit", ipFailureLimit);
        put(m, "allowNetworks", allowNetworks == null ? null : String.join(",", allowNetworks));
        put(m, "denyNetworks", denyNetworks == null ? null : String.join(",", denyNetworks));
        return m;
    }

    /** Names of every field, in declaration order. */
    public static final List<String> FIELDS = List.of("newDevice", "newCountry", "impossibleTravel", "unusualHour",
            "invalidDeviceToken", "userReportedFraud", "allowedNetwork", "challengeAt", "denyAt", "onStuffing",
            "alwaysChallenge", "unusualHourWindowDays", "userReportedFraudWindowDays", "impossibleTravelSpeedKmh", "userFailureLimit", "ipFailureLimit",
            "allowNetworks", "denyNetworks");

    private static void put(Map<String, String> m, String field, Object value) {
        if (value != null) {
            m.put(field, value.toString());
        }
    }
}
