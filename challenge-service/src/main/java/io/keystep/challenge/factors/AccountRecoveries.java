package io.keystep.challenge.factors;

import io.keystep.challenge.config.AccountRecoveryConfig;
import io.keystep.challenge.store.AccountRecoveryRepository;
import io.keystep.challenge.store.AccountRecoveryRepository.Recovery;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The way back for a user who lost every factor: support opens a recovery after the runbook's identity check, a
 * second person approves it, it waits the tenant's delay while every channel the user had is told (and the user
 * can cancel it with any factor left), then it allows one enrollment of a new factor without step-up. Each step
 * is a {@code factor.changed.v1} event, so the trail holds all of it.
 */
@ApplicationScoped
public class AccountRecoveries {

    /** The shortest and longest delay a tenant may set. */
    public static final Duration MIN_DELAY = Duration.ofHours(1);
    public static final Duration MAX_DELAY = Duration.ofDays(30);

    private final AccountRecoveryRepository recoveries;
    private final AccountRecoveryConfig config;
    private final FactorNotices notices;
    private final Clock clock;

    public AccountRecoveries(AccountRecoveryRepository recoveries, AccountRecoveryConfig config,
                             FactorNotices notices, Clock clock) {
        this.recoveries = recoveries;
        this.config = config;
        this.notices = notices;
        this.clock = clock;
    }

    /** Opens a recovery awaiting a second approver; empty when the user already has an open one. */
    public Uni<Optional<Recovery>> open(String tenantId, String userId, String ticket, String openedBy) {
        Instant now = clock.instant();
        return recoveries.open(tenantId, userId, ticket, openedBy, now, now.plus(config.approvalWindow()))
                .call(opened -> opened.isEmpty() ? Uni.createFrom().voidItem()
                        : announce(tenantId, now, opened.get(), FactorChange.ACCOUNT_RECOVERY_OPENED,
                        "opened by " + openedBy + " for ticket " + ticket));
    }

    /**
     * Approves a recovery, by someone other than who opened it: it matures after the tenant's delay. Empty when it
     * is not awaiting approval, lapsed, or the approver opened it ({@link #find} tells which).
     */
    public Uni<Optional<Recovery>> approve(String tenantId, String userId, UUID id, String approvedBy) {
        Instant now = clock.instant();
        return delayOf(tenantId).flatMap(delay -> {
            Instant maturesAt = now.plus(delay);
            return recoveries.approve(tenantId, userId, id, approvedBy, now, maturesAt,
                    maturesAt.plus(config.useWindow()));
        }).call(approved -> approved.isEmpty() ? Uni.createFrom().voidItem()
                : announce(tenantId, now, approved.get(), FactorChange.ACCOUNT_RECOVERY_APPROVED,
                "approved by " + approvedBy + "; a new factor may be enrolled from " + approved.get().maturesAt()));
    }

    /** Cancels an open recovery (the user with a factor left, or support); empty when it is not open. */
    public Uni<Optional<Recovery>> cancel(String tenantId, String userId, UUID id, String canceledBy) {
        Instant now = clock.instant();
        return recoveries.cancel(tenantId, userId, id, canceledBy, now)
                .call(canceled -> canceled.isEmpty() ? Uni.createFrom().voidItem()
                        : announce(tenantId, now, canceled.get(), FactorChange.ACCOUNT_RECOVERY_CANCELED,
                        "canceled by " + canceledBy));
    }

    /** Uses the user's matured recovery for one enrollment ({@code usedFor}: what is enrolled); empty when none. */
    public Uni<Optional<Recovery>> use(String tenantId, String userId, String usedFor) {
        Instant now = clock.instant();
        return recoveries.use(tenantId, userId, usedFor, now)
                .call(used -> used.isEmpty() ? Uni.createFrom().voidItem()
                        : announce(tenantId, now, used.get(), FactorChange.ACCOUNT_RECOVERY_USED,
                        "used to enroll " + usedFor));
    }

    public Uni<Optional<Recovery>> find(String tenantId, String userId, UUID id) {
        return recoveries.find(tenantId, userId, id);
    }

    /** The tenant's delay between approval and use. */
    public Uni<Duration> delayOf(String tenantId) {
        return recoveries.delayOf(tenantId).map(set -> set.orElse(config.delay()));
    }

    public Uni<Void> setDelay(String tenantId, Duration delay, String by) {
        return recoveries.setDelay(tenantId, delay, by, clock.instant());
    }

    public Instant now() {
        return clock.instant();
    }

    /** Whether this is now the moment at which an approved recovery may be used. */
    public boolean matured(Recovery recovery) {
        return "WAITING".equals(recovery.status()) && !recovery.maturesAt().isAfter(clock.instant());
    }

    /**
     * A recovery's status as support and the gateway see it: {@code awaiting_approval}, {@code waiting}, {@code ready}
     * (matured, until it expires), {@code used}, {@code canceled} or {@code lapsed} (left unapproved or unused past
     * its time, whether or not a later request closed it already).
     */
    public String statusOf(Recovery r) {
        if ("CANCELED".equals(r.status()) && "lapsed".equals(r.closedBy())) {
            return "lapsed";
        }
        boolean open = "AWAITING_APPROVAL".equals(r.status()) || "WAITING".equals(r.status());
        if (open && !r.expiresAt().isAfter(clock.instant())) {
            return "lapsed";
        }
        if (matured(r)) {
            return "ready";
        }
        return r.status().toLowerCase(java.util.Locale.ROOT);
    }

    private Uni<Void> announce(String tenantId, Instant at, Recovery recovery, FactorChange change, String detail) {
        // Every channel the user had hears of it: an impostor's recovery is noticed while it waits.
        return notices.publish(tenantId, at, new FactorChanged(recovery.userId(), recovery.id().toString(), null,
                change, detail));
    }
}
