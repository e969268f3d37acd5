package io.keystep.challenge.domain;

import java.time.Instant;

/** A user's lockout as the check left it: locked until (null when not locked) and suspended. */
public record UserLockout(Instant lockedUntil, boolean suspended) {
}
