package io.keystep.challenge.domain;

import java.util.List;

/**
 * What challenge-service decided for one login, kept for gateways that poll.
 *
 * @param loginId      the login
 * @param userId       its user
 * @param decision     ALLOW, CHALLENGE or DENY
 * @param challengeId  the challenge to answer, when challenged
 * @param reasons      why
 * @param factor       the factor the challenge asks for ({@link io.keystep.events.Factor} name), when challenged
 * @param alternatives the user's other factors the challenge can be switched to
 * @param hint         where a sent code goes, masked; null for a factor nothing is sent to
 * @param enrollmentNudge once the challenge was approved: the stronger factors to invite the user to add, or null
 * @param passkey      for a challenge on a passkey: the options the gateway's page passes to the browser
 * @param number       for a challenge on push: the number the login screen shows, to be typed into the app
 */
public record LoginDecisionRecord(String loginId, String userId, String decision, String challengeId,
                                  List<String> reasons, String factor, List<String> alternatives, String hint,
                                  List<String> enrollmentNudge, io.keystep.events.PasskeyRequest passkey,
                                  Integer number) {

    public LoginDecisionRecord {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        alternatives = alternatives == null ? List.of() : List.copyOf(alternatives);
        enrollmentNudge = enrollmentNudge == null || enrollmentNudge.isEmpty() ? null : List.copyOf(enrollmentNudge);
    }

    public LoginDecisionRecord(String loginId, String userId, String decision, String challengeId,
                               List<String> reasons, String factor, List<String> alternatives, String hint) {
        this(loginId, userId, decision, challengeId, reasons, factor, alternatives, hint, null, null, null);
    }

    /** The same decision, inviting the user to add these factors. */
    public LoginDecisionRecord withEnrollmentNudge(List<String> factors) {
        return new LoginDecisionRecord(loginId, userId, decision, challengeId, reasons, factor, alternatives, hint,
                factors, passkey, number);
    }

    /** The same decision with what its challenge shows: a passkey's options, a push's number. */
    public LoginDecisionRecord withFactorDetails(io.keystep.events.PasskeyRequest options, Integer pushNumber) {
        return new LoginDecisionRecord(loginId, userId, decision, challengeId, reasons, factor, alternatives, hint,
                enrollmentNudge, options, pushNumber);
    }

    /** A decision that names no factor. */
    public LoginDecisionRecord(String loginId, String userId, String decision, String challengeId,
                               List<String> reasons) {
        this(loginId, userId, decision, challengeId, reasons, null, List.of(), null);
    }
}
