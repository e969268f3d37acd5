package io.keystep.risk.store;

import io.keystep.risk.domain.PreviousLogin;

import java.time.Instant;

/**
 * What Redis knows about a user (and the login's IP) when a login is scored. Times are null when never seen.
 *
 * @param deviceLastSeen  when the login's device was last approved or used, or null
 * @param countryLastSeen when the user last logged in from the login's country, or null
 * @param hourLastUsed    when the user last logged in at this hour of the week, or null
 * @param userFailures    failed passwords for the user within the failure window
 * @param ipFailures      failed passwords from the IP within its window, across users
 * @param previous        the user's previous located login, or null
 * @param fraudReports    sign-ins the user denied as not theirs within the tenant's reported-fraud window
 */
public record UserRiskProfile(Instant deviceLastSeen, Instant countryLastSeen, Instant hourLastUsed,
                              long userFailures, long ipFailures, PreviousLogin previous, long fraudReports) {
}
