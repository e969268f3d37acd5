package io.keystep.audit.domain;

/**
 * Challenges of a period that share their channel, the digits their masked destination shows and their provider: how
 * many were created (a first {@code challenge.issued} in the period) and how many of those were approved.
 *
 * @param channel  the first channel of the challenge's first {@code challenge.issued}; null when it named none
 * @param digits   the digits before the mask of that event's destination ({@code 4915} of {@code +4915*****678});
 *                 null when it is no masked phone number
 * @param provider the provider of the challenge's latest {@code delivery.status} naming one; null when none did
 */
public record ChallengeGroup(String channel, String digits, String provider, long created, long approved) {
}
