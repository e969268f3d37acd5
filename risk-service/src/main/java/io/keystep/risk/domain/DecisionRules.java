package io.keystep.risk.domain;

import java.time.Duration;

/**
 * Everything that decides one tenant's logins: its rules (live and shadow policies, lists), the signal limits and
 * the odd-hours window, after the tenant's settings were applied over the platform defaults.
 *
 * @param rules      the tenant's policies and network lists
 * @param limits     failure limits and the impossible-travel speed
 * @param hourWindow an hour of the week unused for this long is unusual
 */
public record DecisionRules(TenantRules rules, SignalLimits limits, Duration hourWindow) {
}
