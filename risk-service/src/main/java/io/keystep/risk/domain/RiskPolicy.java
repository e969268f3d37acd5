package io.keystep.risk.domain;

import io.keystep.events.Decision;

/**
 * Weights and thresholds of one scoring policy.
 *
 * @param name              the policy's name, for metrics and logs
 * @param newDevice         weight of {@link Reason#NEW_DEVICE}
 * @param newCountry        weight of {@link Reason#NEW_COUNTRY}
 * @param impossibleTravel  weight of {@link Reason#IMPOSSIBLE_TRAVEL}
 * @param unusualHour       weight of {@link Reason#UNUSUAL_HOUR}, counted only beside another risk signal
 * @param allowedNetwork    added for {@link Reason#ALLOWED_NETWORK}, usually negative
 * @param invalidToken      weight of {@link Reason#INVALID_DEVICE_TOKEN}
 * @param userReportedFraud weight of {@link Reason#USER_REPORTED_FRAUD}
 * @param challengeAt       a score at or above this challenges
 * @param denyAt            a score at or above this denies
 * @param onStuffing        the least decision when the IP shows credential stuffing: CHALLENGE or DENY
 */
public record RiskPolicy(String name, int newDevice, int newCountry, int impossibleTravel, int unusualHour,
                         int allowedNetwork, int invalidToken, int userReportedFraud, int challengeAt, int denyAt,
                         Decision onStuffing) {

    public RiskPolicy {
        if (challengeAt > denyAt) {
            throw new IllegalArgumentException("policy " + name + ": challengeAt must not exceed denyAt");
        }
        if (onStuffing == Decision.ALLOW) {
            throw new IllegalArgumentException("policy " + name + ": onStuffing must be CHALLENGE or DENY");
        }
    }
}
