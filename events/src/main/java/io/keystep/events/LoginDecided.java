package io.keystep.events;

import java.util.List;

/**
 * challenge-service's answer to the gateway for one login. Topic {@link Topics#LOGIN_DECISION}.
 *
 * @param loginId     the login decided
 * @param userId      the user logging in
 * @param decision    allow, challenge or deny
 * @param challengeId the challenge to answer when the decision is {@link Decision#CHALLENGE}, else null
 * @param reasons     why, for the gateway and the audit trail
 */
public record LoginDecided(String loginId, String userId, Decision decision, String challengeId,
                           List<String> reasons) {

    public static final String TYPE = "auth.decision";

    public LoginDecided {
        Required.text(loginId, "loginId");
        Required.text(userId, "userId");
        Required.value(decision, "decision");
        if (decision == Decision.CHALLENGE) {
            Required.text(challengeId, "challengeId");
        }
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
