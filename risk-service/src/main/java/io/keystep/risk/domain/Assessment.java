package io.keystep.risk.domain;

import io.keystep.events.Decision;

import java.util.List;

/** A scored login: the decision, the score behind it and the reasons, most important first. */
public record Assessment(Decision decision, int score, List<Reason> reasons) {

    public Assessment {
        reasons = List.copyOf(reasons);
    }

    public List<String> reasonNames() {
        return reasons.stream().map(Reason::name).toList();
    }
}
