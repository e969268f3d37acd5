package io.keystep.challenge.domain;

import java.util.List;

/**
 * What challenge-service decided for one login, kept for gateways that poll.
 *
 * @param loginId     the login
 * @param userId      its user
 * @param decision    ALLOW, CHALLENGE or DENY
 * @param challengeId the challenge to answer, when challenged
 * @param reasons     why
 */
public record LoginDecisionRecord(String loginId, String userId, String decision, String challengeId,
                                  List<String> reasons) {
}
