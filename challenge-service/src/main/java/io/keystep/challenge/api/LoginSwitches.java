package io.keystep.challenge.api;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.domain.ChallengeMetrics;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.LoginDecisionRecord;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.factors.LoginFactors;
import io.keystep.challenge.messaging.CancellationTrail;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.messaging.LoginChallenger;
import io.keystep.challenge.messaging.LoginChallenges;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.challenge.store.LoginDecisions;
import io.keystep.challenge.store.TenantSettingsRepository;
import io.keystep.events.Factor;
import io.keystep.events.Purpose;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Moves a challenged login to another of the user's factors ("I don't have my phone"). The new challenge replaces the
 * pending one and inherits its spent attempts, so that a switch never resets a guess count, and the user's lockout
 * applies as before. A switch to the phone is a send like a resend, under the same limits; every login allows at most
 * {@link #MAX_SWITCHES}. The switch is published as a new {@code auth.decision.v1} (reason {@code FACTOR_SWITCHED})
 * after the replaced challenge's cancellation, so that the trail shows both.
 */
@ApplicationScoped
public class LoginSwitches implements io.keystep.challenge.messaging.PushFallback {

    /** Switches one login allows, as many as a verification allows sends. */
    public static final int MAX_SWITCHES = 5;
    public static final String FACTOR_SWITCHED = "FACTOR_SWITCHED";
    /** The reason of a login moved off push because the notification could not be delivered. */
    public static final String PUSH_UNDELIVERABLE = "PUSH_UNDELIVERABLE";
    private static final Duration HOLD = Duration.ofSeconds(10);

    private final LoginDecisions decisions;
    private final ChallengeStore store;
    private final LoginFactors factors;
    private final LoginChallenges challenges;
    private final CancellationTrail cancellations;
    private final SendGate gate;
    private final EventPublisher publisher;
    private final TenantSettingsRepository settings;
    private final CodeDigest digests;
    private final ChallengeConfig config;
    private final ChallengeMetrics metrics;
    private final Clock clock;
    private final io.keystep.challenge.factors.PushApprovals pushes;

    public LoginSwitches(LoginDecisions decisions, ChallengeStore store, LoginFactors factors,
                         LoginChallenges challenges, CancellationTrail cancellations, SendGate gate,
                         EventPublisher publisher, TenantSettingsRepository settings, CodeDigest digests,
                         ChallengeConfig config, ChallengeMetrics metrics, Clock clock,
                         io.keystep.challenge.factors.PushApprovals pushes) {
        this.pushes = pushes;
        this.decisions = decisions;
        this.store = store;
        this.factors = factors;
        this.challenges = challenges;
        this.cancellations = cancellations;
        this.gate = gate;
        this.publisher = publisher;
        this.settings = settings;
        this.digests = digests;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Parses a factor as the API names it ({@code totp}, {@code sms}, {@code recovery_code}, ...). */
    static Factor factorNamed(String name) {
        String wanted = name == null ? "" : name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Factor f : Factor.values()) {
            if (f.name().equals(wanted) && f != Factor.EMAIL) {
                return f;
            }
        }
        throw ProblemException.invalid("factor", "must be one of sms, whatsapp, voice, totp, hotp, passkey,"
                + " recovery_code");
    }

    /** Switches the login's challenge to {@code target}; answers the login's decision as it now stands. */
    public Uni<LoginDecisionRecord> switchTo(String tenantId, String loginId, Factor target, String clientIp) {
        return decisions.claimSwitch(tenantId, loginId, HOLD).flatMap(claimed -> {
            if (!claimed) {
                return Uni.createFrom().failure(new ProblemException(Problem.of(409, "switch-in-progress",
                        "Switch in progress", "another switch of login " + loginId + " is under way")));
            }
            return switchClaimed(tenantId, loginId, target, clientIp)
                    .onTermination().call(() -> decisions.releaseSwitch(tenantId, loginId));
        });
    }

    /**
     * Moves a login whose push to {@code challengeId} could not be delivered to the user's next factor, as a switch
     * with reason {@link #PUSH_UNDELIVERABLE}: the login never waits on a device it cannot reach. Nothing happens when
     * the login moved on already, or the user has no other factor (the push then simply expires).
     */
    @Override
    public Uni<Void> fallBackFromPush(String tenantId, String loginId, String challengeId) {
        Instant now = clock.instant();
        return decisions.claimSwitch(tenantId, loginId, HOLD).flatMap(claimed -> !claimed ? Uni.createFrom().voidItem()
                : decisions.find(tenantId, loginId).flatMap(found -> {
                    if (found.isEmpty() || !challengeId.equals(found.get().challengeId())) {
                        return Uni.createFrom().voidItem();
                    }
                    LoginDecisionRecord record = found.get();
                    return store.find(tenantId, challengeId).flatMap(challenge -> {
                        if (challenge.isEmpty() || !"pending".equals(challenge.get().effectiveStatus(now))
                                || challenge.get().remainingAttempts() <= 0) {
                            return Uni.createFrom().voidItem();
                        }
                        return settings.settingsOf(tenantId).flatMap(tenant -> factors.of(tenantId, record.userId(),
                                tenant).flatMap(options -> {
                            List<LoginFactors.Option> rest = options.stream()
                                    .filter(o -> o.factor() != Factor.PUSH).toList();
                            return rest.isEmpty() ? Uni.createFrom().voidItem()
                                    : switchOn(tenantId, record, challenge.get(), rest, rest.get(0).factor(), tenant,
                                    null, now, PUSH_UNDELIVERABLE).replaceWithVoid();
                        }));
                    });
                }).onTermination().call(() -> decisions.releaseSwitch(tenantId, loginId)));
    }

    private Uni<LoginDecisionRecord> switchClaimed(String tenantId, String loginId, Factor target, String clientIp) {
        Instant now = clock.instant();
        return decisions.find(tenantId, loginId).flatMap(found -> {
            LoginDecisionRecord record = found.orElseThrow(
                    () -> ProblemException.notFound("login " + loginId + " not found"));
            if (!"CHALLENGE".equals(record.decision())) {
                throw notSwitchable("login " + loginId + " was not challenged (" + record.decision() + ")");
            }
            return store.find(tenantId, record.challengeId()).flatMap(challenge -> {
                StoredChallenge current = challenge.filter(c -> "pending".equals(c.effectiveStatus(now)))
                        .orElseThrow(() -> notSwitchable("the login's challenge is no longer pending ("
                                + challenge.map(c -> c.effectiveStatus(now)).orElse("expired") + ")"));
                if (current.remainingAttempts() <= 0) {
                    throw notSwitchable("the login's challenge has no attempts left");
                }
                if (target.name().equals(record.factor())) {
                    throw ProblemException.invalid("factor", "is the challenge's factor already; a new code is "
                            + "sent by POST /v1/verifications/" + record.challengeId() + "/resend");
                }
                return settings.settingsOf(tenantId).flatMap(tenant -> factors.of(tenantId, record.userId(), tenant)
                        .flatMap(options -> switchOn(tenantId, record, current, options, target, tenant, clientIp,
                                now, FACTOR_SWITCHED)));
            });
        });
    }

    private Uni<LoginDecisionRecord> switchOn(String tenantId, LoginDecisionRecord record, StoredChallenge current,
                                              List<LoginFactors.Option> options, Factor target,
                                              TenantSettings tenant, String clientIp, Instant now, String why) {
        Optional<LoginFactors.Option> option = options.stream().filter(o -> o.factor() == target).findFirst();
        if (option.isEmpty()) {
            return Uni.createFrom().failure(ProblemException.invalid("factor", "is not one of the user's usable "
                    + "factors: " + String.join(", ", LoginFactors.alternatives(options, null).stream()
                    .map(f -> f.name().toLowerCase(Locale.ROOT)).toList())));
        }
        LoginFactors.Option chosen = option.get();
        String channel = target.name().toLowerCase(Locale.ROOT);
        Uni<Void> allowed = decisions.countSwitch(tenantId, record.loginId(), config.loginDecisionTtl())
                .flatMap(n -> n > MAX_SWITCHES
                        ? Uni.createFrom().failure(new ProblemException(Problem.of(429, "too-many-switches",
                        "Too many switches", "login " + record.loginId() + " was switched " + MAX_SWITCHES
                                + " times already")))
                        : gate.refuseIfLocked(tenantId, current.challengeId(), record.userId(), chosen.destination(),
                        now))
                .chain(() -> chosen.sendsCode()
                        ? gate.acquireSend(tenantId, current.challengeId(), record.userId(), chosen.destination(),
                        digests.destinationPseudonym(tenantId, chosen.destination()), clientIp, now, channel, tenant)
                        : chosen.factor() == Factor.PUSH ? pushes.takePush(tenantId, record.userId())
                        .invoke(taken -> {
                            if (!taken) {
                                throw new ProblemException(Problem.of(429, "push-fatigue", "Too many pushes",
                                        "the user had the tenant's number of pushes since the last approval; choose"
                                                + " another factor"));
                            }
                        }).replaceWithVoid()
                        : Uni.createFrom().voidItem());
        LoginChallenges.Login login = new LoginChallenges.Login(record.loginId(), record.userId(),
                current.deviceFingerprint(), Purpose.valueOf(current.purpose()));
        return allowed.chain(() -> challenges.open(tenantId, login, chosen, tenant, now))
                .call(opened -> cancellations.announceReplaced(tenantId, opened.created(), now))
                .flatMap(opened -> {
                    List<String> reasons = new ArrayList<>();
                    reasons.add(why);
                    record.reasons().stream().filter(r -> !why.equals(r)).forEach(reasons::add);
                    LoginDecisionRecord switched = LoginFactors.challenged(record.loginId(), record.userId(),
                            opened.challengeId(), reasons, chosen, options).withFactorDetails(opened.passkey(), opened.pushNumber());
                    Uni<Void> job = opened.job() == null ? Uni.createFrom().voidItem()
                            : publisher.challengeIssued(tenantId, now, opened.job());
                    return decisions.replace(tenantId, switched)
                            .chain(() -> Uni.combine().all().unis(publisher.loginDecided(tenantId, now,
                                    LoginChallenger.decided(switched)), job).discardItems())
                            .invoke(() -> {
                                metrics.loginSwitched(tenantId, channel);
                                metrics.verificationCreated(tenantId, channel);
                            })
                            .replaceWith(switched);
                });
    }

    private static ProblemException notSwitchable(String detail) {
        return new ProblemException(Problem.of(409, "not-switchable", "Challenge cannot be switched", detail));
    }
}
