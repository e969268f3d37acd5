package io.keystep.risk.domain;

import io.keystep.events.Decision;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The bounds of each risk setting and how a tenant's settings change its platform-default rules. The bounds keep a
 * tenant from switching risk off by accident: weights stay within 0–200 (the allowed-network credit within −200–0),
 * thresholds within 1–1000 with challenge-at never above deny-at, the odd-hours window cannot outlast the
 * platform's hour memory (older hours are no longer stored), and the reported-fraud window stays within a year, as
 * long as reports are kept.
 */
public final class RiskSettingsPolicy {

    public static final RiskSettings.Bound NEW_DEVICE = new RiskSettings.Bound("newDevice", 0, 200);
    public static final RiskSettings.Bound NEW_COUNTRY = new RiskSettings.Bound("newCountry", 0, 200);
    public static final RiskSettings.Bound IMPOSSIBLE_TRAVEL = new RiskSettings.Bound("impossibleTravel", 0, 200);
    public static final RiskSettings.Bound UNUSUAL_HOUR = new RiskSettings.Bound("unusualHour", 0, 200);
    public static final RiskSettings.Bound INVALID_DEVICE_TOKEN = new RiskSettings.Bound("invalidDeviceToken", 0, 200);
    public static final RiskSettings.Bound USER_REPORTED_FRAUD = new RiskSettings.Bound("userReportedFraud", 0, 200);
    public static final RiskSettings.Bound ALLOWED_NETWORK = new RiskSettings.Bound("allowedNetwork", -200, 0);
    public static final RiskSettings.Bound CHALLENGE_AT = new RiskSettings.Bound("challengeAt", 1, 1000);
    public static final RiskSettings.Bound DENY_AT = new RiskSettings.Bound("denyAt", 1, 1000);
    public static final RiskSettings.Bound TRAVEL_SPEED = new RiskSettings.Bound("impossibleTravelSpeedKmh", 100, 2000);
    public static final RiskSettings.Bound USER_FAILURES = new RiskSettings.Bound("userFailureLimit", 1, 50);
    public static final RiskSettings.Bound IP_FAILURES = new RiskSettings.Bound("ipFailureLimit", 5, 1000);
    /** In days; the upper bound is how long a report is kept. */
    public static final RiskSettings.Bound REPORTED_FRAUD_WINDOW =
            new RiskSettings.Bound("userReportedFraudWindowDays", 1, 365);
    /** Lower bound of the odd-hours window; the upper bound is the platform's hour window. */
    public static final int MIN_HOUR_WINDOW_DAYS = 7;

    private final int maxHourWindowDays;

    /** @param platformHourWindow how long hours of use are stored: the longest odd-hours window a tenant may set */
    public RiskSettingsPolicy(Duration platformHourWindow) {
        this.maxHourWindowDays = (int) Math.max(MIN_HOUR_WINDOW_DAYS, platformHourWindow.toDays());
    }

    /** Every integer bound, the odd-hours window included, for documentation and validation. */
    public List<RiskSettings.Bound> bounds() {
        return List.of(NEW_DEVICE, NEW_COUNTRY, IMPOSSIBLE_TRAVEL, UNUSUAL_HOUR, INVALID_DEVICE_TOKEN,
                USER_REPORTED_FRAUD, ALLOWED_NETWORK, CHALLENGE_AT, DENY_AT,
                new RiskSettings.Bound("unusualHourWindowDays", MIN_HOUR_WINDOW_DAYS, maxHourWindowDays),
                REPORTED_FRAUD_WINDOW, TRAVEL_SPEED, USER_FAILURES, IP_FAILURES);
    }

    /**
     * Notes in {@code invalid} every field of {@code s} outside its bound, and challenge-at above deny-at as they
     * will be in force (the override, else the default). That pair is compared only when neither is invalid already,
     * so that a bad value is not blamed on its valid partner.
     */
    public void validate(RiskSettings s, DecisionRules defaults, InvalidSettings invalid) {
        within(NEW_DEVICE, s.newDevice(), invalid);
        within(NEW_COUNTRY, s.newCountry(), invalid);
        within(IMPOSSIBLE_TRAVEL, s.impossibleTravel(), invalid);
        within(UNUSUAL_HOUR, s.unusualHour(), invalid);
        within(INVALID_DEVICE_TOKEN, s.invalidDeviceToken(), invalid);
        within(USER_REPORTED_FRAUD, s.userReportedFraud(), invalid);
        within(ALLOWED_NETWORK, s.allowedNetwork(), invalid);
        within(CHALLENGE_AT, s.challengeAt(), invalid);
        within(DENY_AT, s.denyAt(), invalid);
        within(new RiskSettings.Bound("unusualHourWindowDays", MIN_HOUR_WINDOW_DAYS, maxHourWindowDays),
                s.unusualHourWindowDays(), invalid);
        within(REPORTED_FRAUD_WINDOW, s.userReportedFraudWindowDays(), invalid);
        within(TRAVEL_SPEED, s.impossibleTravelSpeedKmh(), invalid);
        within(USER_FAILURES, s.userFailureLimit(), invalid);
        within(IP_FAILURES, s.ipFailureLimit(), invalid);
        if (s.onStuffing() == Decision.ALLOW) {
            invalid.add("onStuffing", "must be CHALLENGE or DENY");
        }
        networks("allowNetworks", s.allowNetworks(), invalid);
        networks("denyNetworks", s.denyNetworks(), invalid);
        RiskPolicy live = defaults.rules().live();
        int challengeAt = s.challengeAt() != null ? s.challengeAt() : live.challengeAt();
        int denyAt = s.denyAt() != null ? s.denyAt() : live.denyAt();
        if (challengeAt > denyAt && !invalid.has("challengeAt") && !invalid.has("denyAt")) {
            if (s.challengeAt() != null) {
                invalid.add("challengeAt", "must not exceed denyAt (" + denyAt + ")");
            } else {
                invalid.add("denyAt", "must be at least challengeAt (" + challengeAt + ")");
            }
        }
    }

    /** The tenant's rules with its settings applied over the defaults; shadow policies are left as configured. */
    public static DecisionRules apply(DecisionRules defaults, RiskSettings s) {
        if (s == null || s.equals(RiskSettings.NONE)) {
            return defaults;
        }
        TenantRules base = defaults.rules();
        RiskPolicy p = base.live();
        RiskPolicy live = new RiskPolicy(p.name(),
                or(s.newDevice(), p.newDevice()), or(s.newCountry(), p.newCountry()),
                or(s.impossibleTravel(), p.impossibleTravel()), or(s.unusualHour(), p.unusualHour()),
                or(s.allowedNetwork(), p.allowedNetwork()), or(s.invalidDeviceToken(), p.invalidToken()),
                or(s.userReportedFraud(), p.userReportedFraud()),
                or(s.challengeAt(), p.challengeAt()), or(s.denyAt(), p.denyAt()),
                s.onStuffing() != null ? s.onStuffing() : p.onStuffing());
        TenantRules rules = new TenantRules(live, base.shadows(),
                s.alwaysChallenge() != null ? s.alwaysChallenge() : base.alwaysChallenge(),
                s.allowNetworks() != null ? ranges(s.allowNetworks()) : base.allow(),
                s.denyNetworks() != null ? ranges(s.denyNetworks()) : base.deny());
        SignalLimits l = defaults.limits();
        SignalLimits limits = new SignalLimits(or(s.userFailureLimit(), l.userFailureLimit()),
                or(s.ipFailureLimit(), l.ipFailureLimit()),
                s.impossibleTravelSpeedKmh() != null ? s.impossibleTravelSpeedKmh() : l.maxSpeedKmh());
        Duration hours = s.unusualHourWindowDays() != null ? Duration.ofDays(s.unusualHourWindowDays())
                : defaults.hourWindow();
        Duration reported = s.userReportedFraudWindowDays() != null
                ? Duration.ofDays(s.userReportedFraudWindowDays()) : defaults.reportedFraudWindow();
        return new DecisionRules(rules, limits, hours, reported);
    }

    private static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }

    private static List<CidrRange> ranges(List<String> texts) {
        List<CidrRange> ranges = new ArrayList<>(texts.size());
        for (String t : texts) {
            ranges.add(CidrRange.parse(t));
        }
        return ranges;
    }

    private static void within(RiskSettings.Bound bound, Integer value, InvalidSettings invalid) {
        if (value != null && (value < bound.min() || value > bound.max())) {
            invalid.add(bound.field(), "must be between " + bound.min() + " and " + bound.max());
        }
    }

    /** Notes the list's first problem only: one reason per field. */
    private static void networks(String field, List<String> networks, InvalidSettings invalid) {
        if (networks == null) {
            return;
        }
        if (networks.size() > RiskSettings.MAX_NETWORKS) {
            invalid.add(field, "must list at most " + RiskSettings.MAX_NETWORKS + " ranges");
            return;
        }
        for (String n : networks) {
            if (n == null || n.isBlank()) {
                invalid.add(field, "must not contain an empty range");
                return;
            }
            try {
                CidrRange.parse(n);
            } catch (RuntimeException e) {
                invalid.add(field, "'" + n + "' is not an IP network in CIDR notation");
                return;
            }
        }
    }
}
