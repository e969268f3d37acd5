package io.keystep.risk.domain;

import java.time.Duration;

/**
 * Everything that decides one tenant's logins: its rules (live and shadow policies, lists), the signal limits and
 * the odd-hours and reported-fraud windows, after the tenant's settings were applied over the platform defaults.
 *
 * @param rules               the tenant's policies and network lists
 * @param limits              failure limits and the impossible-travel speed
 * @param hourWindow          an hour of the week unused for this long is unusual
 * @param reportedFraudWindow for this long after the user denied a push as not theirs, their logins carry
 *                            {@link Reason#USER_REPORTED_FRAUD}
 */
public record DecisionRules(TenantRules rules, SignalLimits limits, Duration hourWindow,
                            Duration reportedFraudWindow) {
}
