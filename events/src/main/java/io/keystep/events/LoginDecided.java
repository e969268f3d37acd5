package io.keystep.events;

import java.util.List;

/**
 * challenge-service's answer to the gateway for one login. Topic {@link Topics#LOGIN_DECISION}.
 *
 * @param loginId      the login decided
 * @param userId       the user logging in
 * @param decision     allow, challenge or deny
 * @param challengeId  the challenge to answer when the decision is {@link Decision#CHALLENGE}, else null
 * @param reasons      why, for the gateway and the audit trail
 * @param factor       the factor the challenge asks for (for the phone: the first channel tried), else null
 * @param alternatives the user's other factors the challenge can be switched to, never a secret or a number
 * @param hint         where the code goes, masked (a phone's last digits), when the factor sends one; else null
 * @param passkey      when the factor is a passkey: the options the gateway's page hands to
 *                     {@code navigator.credentials.get()}; else null
 * @param number       when the factor is push: the number the login screen shows, which the person types into the
 *                     app to approve (not a secret: it ties the approval to this screen); else null
 */
public record LoginDecided(String loginId, String userId, Decision decision, String challengeId,
                           List<String> reasons, Factor factor, List<Factor> alternatives, String hint,
                           PasskeyRequest passkey, Integer number) {

    public static final String TYPE = "auth.decision";

    public LoginDecided {
        Required.text(loginId, "loginId");
        Required.text(userId, "userId");
        Required.value(decision, "decision");
        if (decision == Decision.CHALLENGE) {
            Required.text(challengeId, "challengeId");
        }
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        alternatives = alternatives == null ? List.of() : List.copyOf(alternatives);
    }

    /** A challenge on a factor that is not a passkey. */
    public LoginDecided(String loginId, String userId, Decision decision, String challengeId, List<String> reasons,
                        Factor factor, List<Factor> alternatives, String hint) {
        this(loginId, userId, decision, challengeId, reasons, factor, alternatives, hint, null, null);
    }

    /** A decision that names no factor: an ALLOW or a DENY. */
    public LoginDecided(String loginId, String userId, Decision decision, String challengeId, List<String> reasons) {
        this(loginId, userId, decision, challengeId, reasons, null, List.of(), null, null, null);
    }
}
