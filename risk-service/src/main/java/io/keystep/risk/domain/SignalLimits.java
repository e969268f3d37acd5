package io.keystep.risk.domain;

/**
 * Limits that turn counts and speeds into signals, the same for every policy.
 *
 * @param userFailureLimit more failed passwords than this for a user steps up
 * @param ipFailureLimit   more failed passwords than this from one IP is credential stuffing
 * @param maxSpeedKmh      faster than this between consecutive logins is impossible travel
 */
public record SignalLimits(int userFailureLimit, int ipFailureLimit, double maxSpeedKmh) {
}
