package io.keystep.events;

import java.util.List;

/**
 * risk-service scored a login. Topic {@link Topics#RISK_ASSESSED}.
 *
 * @param loginId           the login scored
 * @param userId            the user logging in
 * @param decision          allow, challenge or deny
 * @param score             the weighted score behind the decision
 * @param reasons           the signals that contributed, for example {@code NEW_DEVICE}
 * @param purpose           the login's purpose
 * @param deviceFingerprint the device, so that an approved challenge can make it known
 * @param shadowDecisions   what each shadow policy would have decided on the same login; never acted upon
 * @param experiment        the signup experiment's arm that decided this signup; null outside an experiment
 */
public record RiskAssessed(String loginId, String userId, Decision decision, int score, List<String> reasons,
                           Purpose purpose, String deviceFingerprint, List<ShadowDecision> shadowDecisions,
                           ExperimentArm experiment) {

    public static final String TYPE = "risk.assessed";

    public RiskAssessed {
        Required.text(loginId, "loginId");
        Required.text(userId, "userId");
        Required.value(decision, "decision");
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        purpose = purpose == null ? Purpose.LOGIN : purpose;
        shadowDecisions = shadowDecisions == null ? List.of() : List.copyOf(shadowDecisions);
    }

    /** An assessment outside any experiment. */
    public RiskAssessed(String loginId, String userId, Decision decision, int score, List<String> reasons,
                        Purpose purpose, String deviceFingerprint, List<ShadowDecision> shadowDecisions) {
        this(loginId, userId, decision, score, reasons, purpose, deviceFingerprint, shadowDecisions, null);
    }

    /** An assessment without shadow policies. */
    public RiskAssessed(String loginId, String userId, Decision decision, int score, List<String> reasons,
                        Purpose purpose, String deviceFingerprint) {
        this(loginId, userId, decision, score, reasons, purpose, deviceFingerprint, List.of());
    }
}
