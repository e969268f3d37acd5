package io.keystep.challenge.api;

import io.keystep.challenge.domain.ChallengeMetrics;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.SendLimiter;
import io.keystep.challenge.store.UserLockouts;
import io.keystep.events.Limit;
import io.keystep.events.VerificationLimited;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What refuses a verification's send before any code is made: the user's lockout or suspension, and the send
 * limits. Every refusal is published ({@code verification.limited.v1}, acknowledged) before the caller gets its
 * answer, so that the audit trail shows every limit hit.
 */
@ApplicationScoped
public class SendGate {

    private final UserLockouts lockouts;
    private final SendLimiter limiter;
    private final EventPublisher publisher;
    private final ChallengeMetrics metrics;

    public SendGate(UserLockouts lockouts, SendLimiter limiter, EventPublisher publisher, ChallengeMetrics metrics) {
        this.lockouts = lockouts;
        this.limiter = limiter;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /**
     * A user locked out by failed checks (or whose factor is suspended) gets no new code: the refusal is
     * published ({@code verification.limited.v1}, acknowledged) and answered 429 with {@code locked_until}
     * (403 when suspended), exactly as a check would be, before any code is generated.
     */
    Uni<Void> refuseIfLocked(String tenantId, String verificationId, String subject, String destination,
                             Instant now) {
        return refuseIfLocked(tenantId, verificationId, subject, destination, now, false);
    }

    Uni<Void> refuseIfLocked(String tenantId, String verificationId, String subject, String destination,
                             Instant now, boolean passSuspension) {
        if (subject == null) {
            return Uni.createFrom().voidItem();
        }
        return lockouts.lockoutOf(tenantId, subject, now).flatMap(lockout -> {
            if (lockout.suspended() && !passSuspension) {
                metrics.limitHit(tenantId, "any", "factor_suspended");
                return publisher.verificationLimited(tenantId, now, new VerificationLimited(verificationId, subject,
                                Limit.FACTOR_SUSPENDED, 0, null, VerificationViews.mask(destination)))
                        .chain(() -> Uni.createFrom().failure(new VerificationRefused(
                                VerificationRefused.Kind.SUSPENDED, "too many consecutive failed checks; this "
                                + "factor is suspended until account recovery")));
            }
            if (lockout.lockedUntil() == null) {
                return Uni.createFrom().voidItem();
            }
            Duration wait = Duration.between(now, lockout.lockedUntil());
            metrics.limitHit(tenantId, "any", "user_lockout");
            return publisher.verificationLimited(tenantId, now, new VerificationLimited(verificationId, subject,
                            Limit.USER_LOCKOUT, Math.max(1, (wait.toMillis() + 999) / 1000), lockout.lockedUntil(),
                            VerificationViews.mask(destination)))
                    .chain(() -> Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.LOCKED_OUT,
                            "too many failed checks; verification is locked until " + lockout.lockedUntil(), null,
                            wait, lockout.lockedUntil())));
        });
    }

    /**
     * Records a send under every limit; a refusal is published ({@code verification.limited.v1}, acknowledged)
     * before the caller gets its 429, so that the audit trail shows every limit hit.
     */
    Uni<Void> acquireSend(String tenantId, String verificationId, String subject, String destination,
                          String destinationKey, String clientIp, Instant now, String channel,
                          TenantSettings settings) {
        return limiter.acquire(tenantId, destinationKey, clientIp, settings.sendLimits(), now).flatMap(refusal -> {
            if (refusal.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            SendLimiter.Refusal r = refusal.get();
            metrics.limitHit(tenantId, channel, r.limit());
            long retryAfter = Math.max(1, (r.retryAfter().toMillis() + 999) / 1000);
            return publisher.verificationLimited(tenantId, now, new VerificationLimited(verificationId, subject,
                            Limit.valueOf(r.limit().toUpperCase(Locale.ROOT)), retryAfter, null,
                            VerificationViews.mask(destination)))
                    .chain(() -> Uni.createFrom().failure(new VerificationRefused(
                            VerificationRefused.Kind.SEND_LIMITED, "send limit reached: " + r.limit(), r.limit(),
                            r.retryAfter(), null)));
        });
    }
}
