package io.keystep.challenge.domain;

import java.time.Duration;

/** How failed checks lock a user out: the window failures count in, how many lock, for how long, and when to suspend. */
public record LockoutRules(Duration failureWindow, int failuresToLock, Duration firstLockout, Duration maxLockout,
                           int failuresToSuspend) {
}
