package io.keystep.risk;

import io.keystep.events.Decision;
import io.keystep.risk.domain.RiskEvaluator;
import io.keystep.risk.domain.RiskPolicy;
import io.keystep.risk.domain.SignalLimits;

/** The default policy and limits as application.properties sets them, for plain unit tests. */
final class EvaluatorFixtures {

    private EvaluatorFixtures() {
    }

    static RiskEvaluator evaluator() {
        return new RiskEvaluator(new SignalLimits(3, 20, 900));
    }

    static RiskPolicy policy() {
        return new RiskPolicy("default", 50, 30, 60, 15, -30, 20, 40, 40, 100, Decision.CHALLENGE);
    }
}
