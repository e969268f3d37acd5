package io.keystep.challenge.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/**
 * A verification as the API shows it. The destination is masked; the code never appears.
 *
 * @param id                the verification (challenge) id
 * @param status            pending, approved, canceled, expired or max_attempts_reached
 * @param channel           the first channel of the plan, lower case
 * @param to                the destination, masked
 * @param purpose           login, signup, transaction, recovery or factor_change
 * @param amount            the bound amount of a transaction
 * @param payee             the bound payee of a transaction
 * @param expiresAt         when the current code stops working
 * @param sendAttempts      how many codes were sent for it
 * @param remainingAttempts checks left
 * @param lockedUntil       when the user's lockout ends, if the user is locked out
 * @param passkeyOptions    for a pending verification answered with a passkey: the options for
 *                          {@code navigator.credentials.get()}
 * @param number            for a verification on push, as created: the number the screen shows, which the person
 *                          types into the paired app
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Verification(String id, String status, String channel, String to, String purpose, String amount,
                           String payee, Instant expiresAt, int sendAttempts, int remainingAttempts,
                           @JsonProperty("locked_until") Instant lockedUntil,
                           io.keystep.events.PasskeyRequest passkeyOptions, Integer number) {

    public Verification(String id, String status, String channel, String to, String purpose, String amount,
                        String payee, Instant expiresAt, int sendAttempts, int remainingAttempts, Instant lockedUntil) {
        this(id, status, channel, to, purpose, amount, payee, expiresAt, sendAttempts, remainingAttempts, lockedUntil,
                null, null);
    }

    /** The same verification, with the options of its passkey. */
    public Verification withPasskeyOptions(io.keystep.events.PasskeyRequest options) {
        return new Verification(id, status, channel, to, purpose, amount, payee, expiresAt, sendAttempts,
                remainingAttempts, lockedUntil, options, number);
    }

    /** The same verification, with the number of its push. */
    public Verification withNumber(int pushNumber) {
        return new Verification(id, status, channel, to, purpose, amount, payee, expiresAt, sendAttempts,
                remainingAttempts, lockedUntil, passkeyOptions, pushNumber);
    }
}
