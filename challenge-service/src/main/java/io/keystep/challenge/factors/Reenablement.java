package io.keystep.challenge.factors;

import io.keystep.challenge.domain.UserLockout;
import io.keystep.challenge.store.UserLockouts;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Lifts a user's suspension (and lockout) after too many failed checks: by the user, with a recovery code in a
 * verification for purpose recovery, or by support after the runbook's identity check. Each lift is a
 * {@code factor.changed.v1} REENABLED (the audit trail's record of who lifted it and why) with a notice to the
 * user's other channels.
 */
@ApplicationScoped
public class Reenablement {

    private final UserLockouts lockouts;
    private final FactorNotices notices;
    private final FactorMetrics metrics;
    private final Clock clock;

    public Reenablement(UserLockouts lockouts, FactorNotices notices, FactorMetrics metrics, Clock clock) {
        this.lockouts = lockouts;
        this.notices = notices;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Lifts the user's suspension and lockout; {@code via} is {@code support} or {@code recovery_code}, {@code detail}
     * the audited reason. Empty (nothing published) when the user was neither suspended nor locked out.
     */
    public Uni<Optional<UserLockout>> reenable(String tenantId, String userId, String via,
                                                              String detail) {
        Instant now = clock.instant();
        // Announced (acknowledged) before it is lifted: the trail never misses a lift, at worst it shows one that a
        // failure then left undone (and the caller got an error to retry).
        return lockouts.lockoutOf(tenantId, userId, now).flatMap(current -> {
            if (!current.suspended() && current.lockedUntil() == null) {
                return Uni.createFrom().item(Optional.<UserLockout>empty());
            }
            return notices.publish(tenantId, now, new FactorChanged(userId, null, null, FactorChange.REENABLED,
                            detail))
                    .chain(() -> lockouts.liftLockout(tenantId, userId, now))
                    .invoke(() -> metrics.reenabled(tenantId, via))
                    .map(lifted -> Optional.of(current));
        });
    }
}
