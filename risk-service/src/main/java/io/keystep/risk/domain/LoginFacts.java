package io.keystep.risk.domain;

import io.keystep.events.Purpose;

import java.time.Instant;

/**
 * What is known about one login when it is scored: the event's own data and the user's profile.
 *
 * @param passwordVerified   whether the first factor succeeded
 * @param purpose            why the user is asked
 * @param at                 when the login is scored
 * @param deviceKnown        the device was approved for this user and seen within the device window
 * @param deviceToken        what the login's trusted-device token says, {@link DeviceToken#NONE} without one
 * @param location           where the IP is, or null when unknown (or location signals are off)
 * @param countryKnown       the user has logged in from this location's country before
 * @param previous           the user's previous located login, or null
 * @param hourUsed           the user has logged in at this hour of the week recently
 * @param userFailures       failed passwords for this user within the failure window
 * @param ipFailures         failed passwords from this IP, across users, within the failure window
 * @param network            whether the IP is in the tenant's allow or deny list
 * @param reportedFraud      the user denied a push as not theirs within the tenant's reported-fraud window
 */
public record LoginFacts(boolean passwordVerified, Purpose purpose, Instant at, boolean deviceKnown,
                         DeviceToken deviceToken, Location location, boolean countryKnown, PreviousLogin previous,
                         boolean hourUsed, long userFailures, long ipFailures, NetworkListing network,
                         boolean reportedFraud) {

    public LoginFacts {
        purpose = purpose == null ? Purpose.LOGIN : purpose;
        network = network == null ? NetworkListing.NONE : network;
        deviceToken = deviceToken == null ? DeviceToken.NONE : deviceToken;
    }
}
