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
 * @param location          the login's approximate place as the GeoIP database knows it ("Berlin, DE", or just
 *                          "DE"), so that a push can show it; null when unknown. Never the IP address
 * @param userAgent         the login's {@code device.userAgent}, at most {@value #USER_AGENT_LENGTH} characters, so
 *                          that a push can show it; null when the login carried none
 */
public record RiskAssessed(String loginId, String userId, Decision decision, int score, List<String> reasons,
                           Purpose purpose, String deviceFingerprint, List<ShadowDecision> shadowDecisions,
                           ExperimentArm experiment, String location, String userAgent) {

    public static final String TYPE = "risk.assessed";

    /** The longest user agent an assessment carries. */
    public static final int USER_AGENT_LENGTH = 200;

    public RiskAssessed {
        Required.text(loginId, "loginId");
        Required.text(userId, "userId");
        Required.value(decision, "decision");
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        purpose = purpose == null ? Purpose.LOGIN : purpose;
        shadowDecisions = shadowDecisions == null ? List.of() : List.copyOf(shadowDecisions);
        userAgent = shortened(userAgent);
    }

    /** An assessment without the login's place and user agent. */
    public RiskAssessed(String loginId, String userId, Decision decision, int score, List<String> reasons,
                        Purpose purpose, String deviceFingerprint, List<ShadowDecision> shadowDecisions,
                        ExperimentArm experiment) {
        this(loginId, userId, decision, score, reasons, purpose, deviceFingerprint, shadowDecisions, experiment,
                null, null);
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

    /** Blank is none; a longer one is cut, never between the two halves of a surrogate pair. */
    private static String shortened(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return null;
        }
        if (userAgent.length() <= USER_AGENT_LENGTH) {
            return userAgent;
        }
        int end = Character.isHighSurrogate(userAgent.charAt(USER_AGENT_LENGTH - 1)) ? USER_AGENT_LENGTH - 1
                : USER_AGENT_LENGTH;
        return userAgent.substring(0, end);
    }
}
