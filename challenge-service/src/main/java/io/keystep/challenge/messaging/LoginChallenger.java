package io.keystep.challenge.messaging;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.domain.ChallengeMetrics;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.CodeGenerator;
import io.keystep.challenge.domain.LoginDecisionRecord;
import io.keystep.challenge.domain.SendLimits;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.factors.LoginFactors;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.challenge.store.LoginDecisions;
import io.keystep.challenge.store.SendLimiter;
import io.keystep.challenge.store.TenantSettingsRepository;
import io.keystep.events.Decision;
import io.keystep.events.Factor;
import io.keystep.events.Limit;
import io.keystep.events.LoginDecided;
import io.keystep.events.RiskAssessed;
import io.keystep.events.VerificationLimited;
import io.keystep.kit.formats.CodeUse;
import io.keystep.kit.formats.DeliverySeal;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides a login from risk-service's verdict: passes ALLOW and DENY on, and turns CHALLENGE into a challenge on
 * the user's preferred usable factor (see {@link LoginFactors}), naming the others the gateway may switch to; a user
 * with none is denied (fail closed). Each login is decided once: a redelivered verdict finds the decision recorded
 * and issues nothing.
 */
@ApplicationScoped
public class LoginChallenger {

    public static final String NO_FACTOR_ENROLLED = "NO_FACTOR_ENROLLED";
    public static final String RATE_LIMITED = "RATE_LIMITED";
    private static final Logger LOG = Logger.getLogger(LoginChallenger.class);

    private final LoginFactors factors;
    private final LoginChallenges challenges;
    private final ChallengeStore store;
    private final LoginDecisions decisions;
    private final EventPublisher publisher;
    private final CodeGenerator codes;
    private final CodeDigest digests;
    private final DeliverySeal sealer;
    private final ChallengeConfig config;
    private final ChallengeMetrics metrics;
    private final Clock clock;
    private final TenantSettingsRepository settings;
    private final CancellationTrail cancellations;
    private final SendLimiter limiter;
    private final io.keystep.challenge.factors.PushApprovals pushes;

    public LoginChallenger(SendLimiter limiter, CancellationTrail cancellations, LoginFactors factors,
                           LoginChallenges challenges, ChallengeStore store, LoginDecisions decisions,
                           EventPublisher publisher, CodeGenerator codes, CodeDigest digests, DeliverySeal sealer,
                           ChallengeConfig config, ChallengeMetrics metrics, Clock clock,
                           TenantSettingsRepository settings, io.keystep.challenge.factors.PushApprovals pushes) {
        this.pushes = pushes;
        this.settings = settings;
        this.cancellations = cancellations;
        this.limiter = limiter;
        this.factors = factors;
        this.challenges = challenges;
        this.store = store;
        this.decisions = decisions;
        this.publisher = publisher;
        this.codes = codes;
        this.digests = digests;
        this.sealer = sealer;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Decides the login that {@code risk} scored, publishing the decision and, when challenged, the job. */
    public Uni<Void> decide(String tenantId, RiskAssessed risk) {
        if (risk.decision() != Decision.CHALLENGE) {
            return decideOnce(tenantId, risk, risk.decision(), risk.reasons());
        }
        return settings.settingsOf(tenantId).flatMap(tenant -> factors.of(tenantId, risk.userId(), tenant)
                .flatMap(options -> options.isEmpty()
                        ? decideOnce(tenantId, risk, Decision.DENY, withReason(NO_FACTOR_ENROLLED, risk.reasons()))
                        : challenge(tenantId, risk, options, tenant)));
    }

    private Uni<Void> decideOnce(String tenantId, RiskAssessed risk, Decision decision, List<String> reasons) {
        Instant now = clock.instant();
        LoginDecisionRecord record = new LoginDecisionRecord(risk.loginId(), risk.userId(), decision.name(), null,
                reasons);
        return decisions.recordOnce(tenantId, record, config.loginDecisionTtl()).flatMap(first -> {
            if (!first) {
                return redelivered(tenantId, risk);
            }
            return publisher.loginDecided(tenantId, now,
                            new LoginDecided(risk.loginId(), risk.userId(), decision, null, reasons))
                    .chain(() -> decisions.markPublished(tenantId, risk.loginId(), config.loginDecisionTtl()))
                    .invoke(() -> metrics.loginDecided(tenantId, decision.name()));
        });
    }

    /**
     * A verdict for a login decided before: nothing, unless the decision (or its delivery job) never got
     * Kafka's ack. Then the recorded decision is published again and a challenge gets a fresh code (the unsent
     * one is replaced, the attempt budget stays, the send attempt counts up), so that every decided login
     * reaches the audit trail and a challenged person still gets a code, also across restarts.
     */
    private Uni<Void> redelivered(String tenantId, RiskAssessed risk) {
        return decisions.published(tenantId, risk.loginId()).flatMap(published -> {
            if (published) {
                LOG.debugf("login %s of tenant %s already decided; redelivery ignored", risk.loginId(), tenantId);
                return Uni.createFrom().voidItem();
            }
            return decisions.find(tenantId, risk.loginId()).flatMap(found -> {
                if (found.isEmpty()) {
                    return Uni.createFrom().voidItem();
                }
                LoginDecisionRecord record = found.get();
                Instant now = clock.instant();
                Decision decision = Decision.valueOf(record.decision());
                LOG.infof("login %s of tenant %s decided but not yet published; publishing again", risk.loginId(),
                        tenantId);
                Uni<Void> job = record.challengeId() == null ? Uni.createFrom().voidItem()
                        : reissue(tenantId, risk, record.challengeId(), now);
                return publisher.loginDecided(tenantId, now, decided(record))
                        .chain(() -> job)
                        .chain(() -> decisions.markPublished(tenantId, risk.loginId(), config.loginDecisionTtl()))
                        .invoke(() -> metrics.loginDecided(tenantId, decision.name()));
            });
        });
    }

    /** A fresh code for a recorded challenge whose delivery job may never have been published. */
    private Uni<Void> reissue(String tenantId, RiskAssessed risk, String challengeId, Instant now) {
        return store.find(tenantId, challengeId).flatMap(found -> {
            if (found.isEmpty() || !"pending".equals(found.get().effectiveStatus(now))) {
                return Uni.createFrom().voidItem();
            }
            StoredChallenge c = found.get();
            if (c.factorId() != null) {
                // Answered by an authenticator or a recovery code: nothing was to be sent.
                return Uni.createFrom().voidItem();
            }
            String code = codes.next(c.codeLength());
            String digest = digests.digest(tenantId, challengeId, code);
            // The code keeps the challenge's expiry: a redelivery does not extend the time to answer.
            return store.replaceCode(c, now, digest, c.expiresAt(), c.expiresAt().plus(config.retainAfterExpiry()),
                    null).flatMap(change -> {
                if (!"ok".equals(change.result())) {
                    return Uni.createFrom().voidItem();
                }
                CodeUse use = new CodeUse(tenantId, challengeId, c.subject(), c.channelPlan(), c.destination(),
                        io.keystep.events.Purpose.valueOf(c.purpose()), Integer.parseInt(change.detail()),
                        c.expiresAt(), c.locale(), null, null);
                return publisher.challengeIssued(tenantId, now, use.job(c.loginId(), sealer.sealCode(use, code)));
            });
        });
    }

    /** The decision as published: factor names as {@link Factor} values. */
    public static LoginDecided decided(LoginDecisionRecord record) {
        return new LoginDecided(record.loginId(), record.userId(), Decision.valueOf(record.decision()),
                record.challengeId(), record.reasons(), record.factor() == null ? null : Factor.valueOf(record.factor()),
                record.alternatives().stream().map(Factor::valueOf).toList(), record.hint(), record.passkey(),
                record.number());
    }

    private Uni<Void> challenge(String tenantId, RiskAssessed risk, List<LoginFactors.Option> options,
                                TenantSettings tenant) {
        Instant now = clock.instant();
        // A redelivered verdict must not even create a challenge: creating one replaces (cancels) the login's
        // live challenge. The challenge is stored before the decision is claimed, so that a failure before the
        // claim leaves the login undecided and a redelivery can still challenge it.
        return decisions.find(tenantId, risk.loginId()).flatMap(existing -> {
            if (existing.isPresent()) {
                return redelivered(tenantId, risk);
            }
            if (options.get(0).factor() != Factor.PUSH) {
                return challengeOn(tenantId, risk, options, tenant, now);
            }
            // Push resists fatigue: past the tenant's number of pushes since the user's last approval, the login
            // goes to the user's next factor (and push is not offered as an alternative).
            return pushes.takePush(tenantId, risk.userId()).flatMap(taken -> {
                if (taken) {
                    return issue(tenantId, risk, options.get(0), options, tenant, now);
                }
                List<LoginFactors.Option> rest = options.stream().filter(o -> o.factor() != Factor.PUSH).toList();
                return rest.isEmpty() ? decideOnce(tenantId, risk, Decision.DENY,
                        withReason(RATE_LIMITED, risk.reasons())) : challengeOn(tenantId, risk, rest, tenant, now);
            });
        });
    }

    /** Challenges the login on the first of {@code options} that its limits allow. */
    private Uni<Void> challengeOn(String tenantId, RiskAssessed risk, List<LoginFactors.Option> options,
                                  TenantSettings tenant, Instant now) {
        {
            LoginFactors.Option preferred = options.get(0);
            if (!preferred.sendsCode()) {
                return issue(tenantId, risk, preferred, options, tenant, now);
            }
            return withinSendLimits(tenantId, risk, preferred, tenant, now).flatMap(allowed -> {
                if (allowed) {
                    return issue(tenantId, risk, preferred, options, tenant, now);
                }
                // The phone is in its cooldown: an authenticator still lets the person in. Recovery codes stay the
                // last resort the person chooses by switching, never one the platform picks for them.
                return options.stream().filter(o -> !o.sendsCode() && o.factor() != Factor.RECOVERY_CODE).findFirst()
                        .map(held -> issue(tenantId, risk, held, options, tenant, now))
                        .orElseGet(() -> decideOnce(tenantId, risk, Decision.DENY,
                                withReason(RATE_LIMITED, risk.reasons())));
            });
        }
    }

    /**
     * A login code counts against the phone's per-destination limits (cooldown and window, the tenant's values),
     * shared with the Verify API's sends: a phone in cooldown gets no further message, and the refusal is published.
     * The per-IP and per-tenant ceilings do not apply: the verdict carries no client address, and a tenant ceiling
     * spent by Verify API traffic must not deny every login of the tenant.
     */
    private Uni<Boolean> withinSendLimits(String tenantId, RiskAssessed risk, LoginFactors.Option phone,
                                          TenantSettings tenant, Instant now) {
        SendLimits all = tenant.sendLimits();
        SendLimits perDestination = new SendLimits(all.cooldown(), all.destinationWindow(),
                all.destinationMax(), all.ipWindow(), 0, all.tenantWindow(), 0);
        return limiter.acquire(tenantId, digests.destinationPseudonym(tenantId, phone.destination()), null, perDestination, now)
                .flatMap(refusal -> {
                    if (refusal.isEmpty()) {
                        return Uni.createFrom().item(true);
                    }
                    SendLimiter.Refusal r = refusal.get();
                    metrics.limitHit(tenantId, channelTag(phone), r.limit());
                    long retryAfter = Math.max(1, (r.retryAfter().toMillis() + 999) / 1000);
                    return publisher.verificationLimited(tenantId, now, new VerificationLimited(null, risk.userId(),
                                    Limit.valueOf(r.limit().toUpperCase(java.util.Locale.ROOT)), retryAfter, null,
                                    phone.hint()))
                            .replaceWith(false);
                });
    }

    private static String channelTag(LoginFactors.Option option) {
        return option.factor().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static List<String> withReason(String reason, List<String> others) {
        List<String> reasons = new ArrayList<>();
        reasons.add(reason);
        reasons.addAll(others);
        return reasons;
    }

    private Uni<Void> issue(String tenantId, RiskAssessed risk, LoginFactors.Option option,
                            List<LoginFactors.Option> options, TenantSettings tenant, Instant now) {
        LoginChallenges.Login login = new LoginChallenges.Login(risk.loginId(), risk.userId(),
                risk.deviceFingerprint(), risk.purpose(), risk.location(), risk.userAgent());
        return challenges.open(tenantId, login, option, tenant, now)
                .call(opened -> cancellations.announceReplaced(tenantId, opened.created(), now))
                .flatMap(opened -> {
                    LoginDecisionRecord record = LoginFactors.challenged(risk.loginId(), risk.userId(),
                            opened.challengeId(), risk.reasons(), option, options).withFactorDetails(opened.passkey(), opened.pushNumber());
                    return decisions.recordOnce(tenantId, record, config.loginDecisionTtl()).flatMap(first -> {
                        if (!first) {
                            LOG.debugf("login %s of tenant %s already decided; redelivery ignored", risk.loginId(),
                                    tenantId);
                            return store.delete(opened.challengeId());
                        }
                        // The decision and the delivery job go to different topics: sent together, both awaited,
                        // so the login waits for one acknowledgement round instead of two. If either fails, the
                        // login is not marked published and its redelivery sends what is missing.
                        Uni<Void> job = opened.job() == null ? Uni.createFrom().voidItem()
                                : publisher.challengeIssued(tenantId, now, opened.job());
                        return Uni.combine().all().unis(publisher.loginDecided(tenantId, now, decided(record)), job)
                                .discardItems()
                                .chain(() -> decisions.markPublished(tenantId, risk.loginId(),
                                        config.loginDecisionTtl()))
                                .invoke(() -> {
                                    metrics.loginDecided(tenantId, Decision.CHALLENGE.name());
                                    metrics.verificationCreated(tenantId, channelTag(option));
                                    LOG.debugf("challenge %s issued for login %s on %s", opened.challengeId(),
                                            risk.loginId(), channelTag(option));
                                });
                    });
                });
    }
}
