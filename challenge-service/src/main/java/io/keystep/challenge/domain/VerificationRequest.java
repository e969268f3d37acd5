package io.keystep.challenge.domain;

import io.keystep.events.Channel;
import io.keystep.events.Purpose;

import java.util.List;

/**
 * A validated request to send a code.
 *
 * @param destination E.164 phone number or email address
 * @param channel     the channel asked for ({@code sms}, ..., {@code auto}), as the API spells it
 * @param channelPlan the channels to try, in order
 * @param userId      the user, when the gateway names one
 * @param locale      language of the message
 * @param purpose     why the code is sent
 * @param amount      a transaction's amount, normalised, or null
 * @param payee       a transaction's payee, or null
 * @param codeLength  digits of the code
 */
public record VerificationRequest(String destination, String channel, List<Channel> channelPlan, String userId,
                                  String locale, Purpose purpose, String amount, String payee, int codeLength) {
}
