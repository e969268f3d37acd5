package io.keystep.events;

import java.util.List;

/**
 * What a shadow policy would have decided on a login, published beside the live decision so that a team sees
 * what a policy change would do before switching. Nothing acts on it.
 *
 * @param policy   the shadow policy's name
 * @param decision what it would have decided
 * @param score    its score
 * @param reasons  its reasons
 */
public record ShadowDecision(String policy, Decision decision, int score, List<String> reasons) {

    public ShadowDecision {
        Required.text(policy, "policy");
        Required.value(decision, "decision");
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
