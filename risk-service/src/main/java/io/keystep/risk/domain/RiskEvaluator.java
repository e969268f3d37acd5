package io.keystep.risk.domain;

import io.keystep.events.Decision;
import io.keystep.events.Purpose;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a login from its facts under one policy. Pure and stateless: the same facts and policy always give the
 * same assessment, which is what lets a shadow policy be compared with the live one.
 */
public final class RiskEvaluator {

    /** Below this distance two places are the same city as far as GeoIP precision goes. */
    private static final double SAME_PLACE_KM = 50;

    private final SignalLimits limits;

    public RiskEvaluator(SignalLimits limits) {
        this.limits = limits;
    }

    /** The platform's signal limits, used for tenants whose settings do not change them. */
    public SignalLimits limits() {
        return limits;
    }

    /** The assessment of {@code facts} under {@code policy} for a tenant that may challenge everything. */
    public Assessment evaluate(LoginFacts facts, RiskPolicy policy, boolean alwaysChallenge) {
        return evaluate(facts, policy, alwaysChallenge, limits);
    }

    /** The same, under a tenant's own signal limits (failure limits and travel speed from its settings). */
    public Assessment evaluate(LoginFacts facts, RiskPolicy policy, boolean alwaysChallenge, SignalLimits limits) {
        if (!facts.passwordVerified()) {
            return new Assessment(Decision.DENY, policy.denyAt(), List.of(Reason.PASSWORD_NOT_VERIFIED));
        }
        if (facts.network() == NetworkListing.DENIED) {
            return new Assessment(Decision.DENY, policy.denyAt(), List.of(Reason.DENIED_NETWORK));
        }

        List<Reason> reasons = new ArrayList<>();
        int score = 0;
        boolean trusted = facts.deviceToken() == DeviceToken.TRUSTED;
        if (!facts.deviceKnown() && !trusted) {
            reasons.add(Reason.NEW_DEVICE);
            score += policy.newDevice();
        }
        if (facts.deviceToken() == DeviceToken.INVALID) {
            reasons.add(Reason.INVALID_DEVICE_TOKEN);
            score += policy.invalidToken();
        }
        if (facts.location() != null && facts.location().country() != null && !facts.countryKnown()) {
            reasons.add(Reason.NEW_COUNTRY);
            score += policy.newCountry();
        }
        if (impossibleTravel(facts, limits)) {
            reasons.add(Reason.IMPOSSIBLE_TRAVEL);
            score += policy.impossibleTravel();
        }
        if (facts.reportedFraud()) {
            reasons.add(Reason.USER_REPORTED_FRAUD);
            score += policy.userReportedFraud();
        }
        boolean tooManyFailures = facts.userFailures() > limits.userFailureLimit();
        boolean stuffing = facts.ipFailures() > limits.ipFailureLimit();
        if (tooManyFailures) {
            reasons.add(Reason.TOO_MANY_FAILURES);
        }
        if (stuffing) {
            reasons.add(Reason.CREDENTIAL_STUFFING);
        }
        // A weak signal: an odd hour alone is how people live, beside another signal it tips the balance.
        if (!facts.hourUsed() && !reasons.isEmpty()) {
            reasons.add(Reason.UNUSUAL_HOUR);
            score += policy.unusualHour();
        }
        if (trusted) {
            reasons.add(Reason.TRUSTED_DEVICE);
        }
        if (facts.network() == NetworkListing.ALLOWED) {
            reasons.add(Reason.ALLOWED_NETWORK);
            score += policy.allowedNetwork();
        }
        score = Math.max(0, score);

        Decision decision = score >= policy.denyAt() ? Decision.DENY
                : score >= policy.challengeAt() ? Decision.CHALLENGE : Decision.ALLOW;
        if (tooManyFailures) {
            decision = atLeast(decision, Decision.CHALLENGE);
        }
        if (stuffing) {
            decision = atLeast(decision, policy.onStuffing());
        }
        if (facts.purpose() == Purpose.TRANSACTION) {
            reasons.add(Reason.PURPOSE_TRANSACTION);
            decision = atLeast(decision, Decision.CHALLENGE);
        } else if (facts.purpose() == Purpose.FACTOR_CHANGE) {
            reasons.add(Reason.PURPOSE_FACTOR_CHANGE);
            decision = atLeast(decision, Decision.CHALLENGE);
        }
        if (alwaysChallenge) {
            reasons.add(Reason.ALWAYS_CHALLENGE);
            decision = atLeast(decision, Decision.CHALLENGE);
        }
        return new Assessment(decision, score, reasons);
    }

    /** Whether going from the previous login's place to this one would be faster than anyone travels. */
    public boolean impossibleTravel(LoginFacts facts) {
        return impossibleTravel(facts, limits);
    }

    private static boolean impossibleTravel(LoginFacts facts, SignalLimits limits) {
        if (facts.previous() == null || facts.location() == null || facts.location().point() == null) {
            return false;
        }
        double km = facts.previous().point().kilometresTo(facts.location().point());
        if (km < SAME_PLACE_KM) {
            return false;
        }
        long millis = Math.max(1, Duration.between(facts.previous().at(), facts.at()).toMillis());
        double hours = millis / 3_600_000.0;
        return km / hours > limits.maxSpeedKmh();
    }

    private static Decision atLeast(Decision current, Decision floor) {
        return current.ordinal() >= floor.ordinal() ? current : floor;
    }
}
