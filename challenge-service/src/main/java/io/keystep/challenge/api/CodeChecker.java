package io.keystep.challenge.api;

import io.keystep.challenge.domain.Bindings;
import io.keystep.challenge.domain.ChallengeMetrics;
import io.keystep.challenge.domain.CheckResult;
import io.keystep.challenge.domain.CheckStatus;
import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.domain.UserLockout;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.challenge.factors.AuthenticatorFactors;
import io.keystep.challenge.factors.FactorNotices;
import io.keystep.challenge.factors.RecoveryCodes;
import io.keystep.challenge.factors.Reenablement;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.ChallengeChecks;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.challenge.store.TenantSettingsRepository;
import io.keystep.challenge.store.UserLockouts;
import io.keystep.challenge.store.VerificationProofs;
import io.keystep.events.Factor;
import io.keystep.events.Limit;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.VerificationLimited;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks a presented code: digests it, lets the store's atomic script judge it, and publishes the outcome
 * before answering. Any failure of Redis or Kafka surfaces as {@link CheckUnavailableException}: never approved.
 */
@ApplicationScoped
public class CodeChecker {

    private final ChallengeStore store;
    private final ChallengeChecks checks;
    private final UserLockouts lockouts;
    private final VerificationProofs proofs;
    private final CodeDigest digests;
    private final EventPublisher publisher;
    private final ChallengeMetrics metrics;
    private final Clock clock;
    private final TenantSettingsRepository settings;
    private final AuthenticatorFactors factors;
    private final RecoveryCodes recoveryCodes;
    private final Reenablement reenablement;
    private final FactorNotices notices;
    private final io.keystep.challenge.factors.EnrollmentNudges nudges;
    private final io.keystep.challenge.store.LoginDecisions loginDecisions;
    private final io.keystep.challenge.factors.Passkeys passkeys;
    private final io.keystep.challenge.factors.PushApprovals pushes;

    /** A code as sent or shown by an authenticator. */
    private static final java.util.regex.Pattern DIGITS = java.util.regex.Pattern.compile("[0-9]{4,10}");
    /** A recovery code as shown ({@code abcd-efgh-2345}, any case, dashes or spaces optional). */
    public static final java.util.regex.Pattern RECOVERY_CODE = java.util.regex.Pattern.compile("[A-Za-z2-7 -]{12,20}");

    public CodeChecker(AuthenticatorFactors factors, ChallengeStore store, ChallengeChecks checks, UserLockouts lockouts,
                       VerificationProofs proofs, CodeDigest digests, EventPublisher publisher, ChallengeMetrics metrics,
                       Clock clock, TenantSettingsRepository settings,
                       RecoveryCodes recoveryCodes,
                       Reenablement reenablement,
                       FactorNotices notices,
                       io.keystep.challenge.factors.EnrollmentNudges nudges,
                       io.keystep.challenge.store.LoginDecisions loginDecisions,
                       io.keystep.challenge.factors.Passkeys passkeys,
                       io.keystep.challenge.factors.PushApprovals pushes) {
        this.passkeys = passkeys;
        this.pushes = pushes;
        this.nudges = nudges;
        this.loginDecisions = loginDecisions;
        this.recoveryCodes = recoveryCodes;
        this.reenablement = reenablement;
        this.notices = notices;
        this.settings = settings;
        this.factors = factors;
        this.store = store;
        this.checks = checks;
        this.lockouts = lockouts;
        this.proofs = proofs;
        this.digests = digests;
        this.publisher = publisher;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Checks a login challenge's code. */
    public Uni<CheckResult> check(String tenantId, String challengeId, String code) {
        return check(tenantId, challengeId, code, null, null);
    }

    /**
     * Checks a code together with the amount and payee the person saw: for a transaction, another amount or
     * payee digests differently and fails like a wrong code (PSD2 dynamic linking).
     */
    public Uni<CheckResult> check(String tenantId, String challengeId, String code, String amount, String payee) {
        long started = System.nanoTime();
        Instant now = clock.instant();
        String binding = Bindings.of(amount, payee);
        if (DIGITS.matcher(code).matches()) {
            // Most checks present a sent code: one script run judges it. A challenge answered by an authenticator or
            // a recovery code is named by the script instead (nothing judged or spent) and checked as below.
            String presented = digests.digest(tenantId, challengeId, code, binding);
            return settings.settingsOf(tenantId)
                    .chain(tenant -> checks.checkSentCode(challengeId, tenantId, now, presented, tenant.lockoutRules()))
                    .onFailure().transform(CheckUnavailableException::new)
                    .flatMap(checked -> checked.authenticator() == null
                            ? settle(tenantId, challengeId, checked.result(), null, now, started)
                            : byFactor(tenantId, challengeId, code, binding,
                            java.util.Optional.of(checked.authenticator()), now, started));
        }
        return proofs.authenticatorOf(tenantId, challengeId).onFailure().transform(CheckUnavailableException::new)
                .flatMap(authenticator -> byFactor(tenantId, challengeId, code, binding, authenticator, now, started));
    }

    /**
     * Checks a passkey's assertion (the browser's {@code PublicKeyCredential.toJSON()}) against a verification
     * answered with a passkey. Only a pending verification has the assertion verified (a replay against a settled
     * one is answered as such, without touching the credential's counter); an accepted assertion unlocks the
     * internal approval value and a refused one presents a value that cannot match, so that the store applies the
     * same budget, lockout and binding as for a code.
     */
    public Uni<CheckResult> checkPasskey(String tenantId, String challengeId, String assertionJson, String amount,
                                         String payee) {
        long started = System.nanoTime();
        Instant now = clock.instant();
        String binding = Bindings.of(amount, payee);
        return store.find(tenantId, challengeId).onFailure().transform(CheckUnavailableException::new)
                .flatMap(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(CheckResult.notFound());
                    }
                    StoredChallenge c = found.get();
                    String held = c.factorId();
                    if (held == null || !held.startsWith(Factor.PASSKEY.name() + ":")) {
                        return Uni.createFrom().failure(io.keystep.kit.web.ProblemException.invalid("passkey",
                                "verification " + challengeId + " is answered with a code, not a passkey"));
                    }
                    String refused = digests.digest(tenantId, challengeId, "passkey-refused", binding);
                    if (!"pending".equals(c.effectiveStatus(now))) {
                        return judge(tenantId, challengeId, refused, Factor.PASSKEY, now, started);
                    }
                    return passkeys.verify(tenantId, c.subject(), challengeId, assertionJson)
                            .onFailure(e -> !(e instanceof io.keystep.kit.web.ProblemException))
                            .transform(CheckUnavailableException::new)
                            .flatMap(assertion -> judge(tenantId, challengeId, assertion.accepted()
                                    ? digests.digest(tenantId, challengeId,
                                    digests.authenticatorApproval(tenantId, challengeId), binding)
                                    : refused, Factor.PASSKEY, now, started));
                });
    }

    /**
     * Checks the number a paired device answered a push with (its signature and nonce verified by the caller): the
     * store judges it under the same budget and lockout as a code.
     */
    public Uni<CheckResult> checkPush(String tenantId, String challengeId, int number) {
        long started = System.nanoTime();
        Instant now = clock.instant();
        // The binding of a transaction is the one the push was created with: the app approves what the person saw.
        return store.find(tenantId, challengeId).onFailure().transform(CheckUnavailableException::new)
                .flatMap(found -> judge(tenantId, challengeId, pushes.digest(tenantId, challengeId, number,
                        found.map(StoredChallenge::binding).orElse("")), Factor.PUSH, now, started));
    }

    /** Checks a code against the challenge's factor as {@link VerificationProofs#authenticatorOf} names it. */
    private Uni<CheckResult> byFactor(String tenantId, String challengeId, String code, String binding,
                                      java.util.Optional<String[]> authenticator, Instant now, long started) {
        if (authenticator.isPresent() && authenticator.get()[0].startsWith(Factor.PASSKEY.name() + ":")) {
            return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.INVALID_CODE,
                    "this verification is answered with a passkey: send the browser's assertion as passkey"));
        }
        if (authenticator.isPresent() && authenticator.get()[0].startsWith(Factor.PUSH.name() + ":")) {
            return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.INVALID_CODE,
                    "this verification is answered on the user's paired device, not with a code"));
        }
        boolean recoveryCode = authenticator.isPresent()
                && authenticator.get()[0].startsWith(Factor.RECOVERY_CODE.name() + ":");
        if (recoveryCode && !RECOVERY_CODE.matcher(code).matches()) {
            return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.INVALID_CODE,
                    "must be one of the user's recovery codes, such as abcd-efgh-2345"));
        }
        if (!recoveryCode && !DIGITS.matcher(code).matches()) {
            return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.INVALID_CODE,
                    "must be 4 to 10 digits"));
        }
        if (recoveryCode) {
            return checkRecoveryCode(tenantId, challengeId, authenticator.get()[1], code, binding, now, started);
        }
        if (authenticator.isEmpty()) {
            return judge(tenantId, challengeId, digests.digest(tenantId, challengeId, code, binding), null, now,
                    started);
        }
        // Answered with an authenticator app: a valid code (its time step used up atomically in PostgreSQL)
        // unlocks the internal approval value; the Redis script then applies the same budget, lockout and
        // amount/payee binding as for a sent code.
        String[] factor = authenticator.get()[0].split(":", 2);
        return factors.verify(tenantId, authenticator.get()[1], java.util.UUID.fromString(factor[1]), code)
                .onFailure().transform(CheckUnavailableException::new)
                .flatMap(result -> judge(tenantId, challengeId, digests.digest(tenantId, challengeId,
                        result == AuthenticatorFactors.Result.ACCEPTED
                                ? digests.authenticatorApproval(tenantId, challengeId)
                                : code, binding), Factor.valueOf(factor[0]), now, started));
    }

    /**
     * A verification answered with a recovery code: the code is used up (a conditional UPDATE, so of two parallel
     * uses one wins) only while the verification is pending and the user not locked out, so that no slow hash runs
     * for a check the store would refuse anyway and no code is spent on a verification that cannot approve; then the
     * store judges under the same budget and lockout. For purpose recovery a suspended user's check is judged, and
     * its approval lifts the suspension (REENABLED).
     */
    private Uni<CheckResult> checkRecoveryCode(String tenantId, String challengeId, String userId, String code,
                                               String binding, Instant now, long started) {
        return Uni.combine().all().unis(store.find(tenantId, challengeId), lockouts.lockoutOf(tenantId, userId, now))
                .asTuple()
                .onFailure().transform(CheckUnavailableException::new)
                .flatMap(state -> {
                    java.util.Optional<StoredChallenge> found = state.getItem1();
                    UserLockout lockout = state.getItem2();
                    boolean recovery = found.map(c -> "RECOVERY".equals(c.purpose())).orElse(false);
                    boolean evaluate = found.map(c -> "pending".equals(c.effectiveStatus(now))
                                    && c.remainingAttempts() > 0).orElse(false)
                            && lockout.lockedUntil() == null && (!lockout.suspended() || recovery);
                    Uni<RecoveryCodes.Redemption> redemption = evaluate
                            ? recoveryCodes.consume(tenantId, userId, code)
                            : recoveryCodes.remaining(tenantId, userId)
                            .map(n -> new RecoveryCodes.Redemption(false, n, null));
                    // A refusal before any hash (too many attempts, or another check of the user's codes under
                    // way) is answered as such: nothing was judged or spent.
                    return redemption.onFailure(f -> !(f instanceof VerificationRefused))
                            .transform(CheckUnavailableException::new).flatMap(r ->
                            judge(tenantId, challengeId, digests.digest(tenantId, challengeId, r.accepted()
                                            ? digests.authenticatorApproval(tenantId, challengeId)
                                            : RecoveryCodes.normalise(code), binding),
                                    Factor.RECOVERY_CODE, now, started, recovery)
                                    .call(result -> result.status() == CheckStatus.APPROVED && recovery
                                            && lockout.suspended()
                                            ? reenablement.reenable(tenantId, userId, "recovery_code",
                                                    "re-enabled by a recovery code (verification " + challengeId + ")")
                                            .onFailure().transform(CheckUnavailableException::new)
                                            : Uni.createFrom().voidItem())
                                    .map(result -> result.withRecoveryCodesRemaining(r.remaining())));
                });
    }

    private Uni<CheckResult> judge(String tenantId, String challengeId, String presented, Factor factor, Instant now,
                                   long started) {
        return judge(tenantId, challengeId, presented, factor, now, started, false);
    }

    private Uni<CheckResult> judge(String tenantId, String challengeId, String presented, Factor factor, Instant now,
                                   long started, boolean passSuspension) {
        // The tenant's own lockout thresholds (within their bounds) apply to its users.
        return settings.settingsOf(tenantId)
                .chain(tenant -> checks.check(challengeId, tenantId, now, presented, tenant.lockoutRules(),
                        passSuspension))
                .onFailure().transform(CheckUnavailableException::new)
                .flatMap(result -> settle(tenantId, challengeId, result, factor, now, started));
    }

    /**
     * Publishes what the store judged (acknowledged before the answer) and counts it. An approved login answered on
     * the phone may carry an enrollment nudge, in the event, the answer and the login's decision alike.
     */
    private Uni<CheckResult> settle(String tenantId, String challengeId, CheckResult judged, Factor factor,
                                    Instant now, long started) {
        if (judged.status() != CheckStatus.APPROVED || judged.loginId() == null) {
            return settleJudged(tenantId, challengeId, judged, factor, now, started);
        }
        // An approved login starts the user's push count (the fatigue limit) again.
        return pushes.verified(tenantId, judged.userId()).onFailure().recoverWithNull()
                .chain(() -> nudges.afterApprovedLogin(tenantId, judged.userId(), answeredWith(judged, factor)))
                .map(judged::withEnrollmentNudge)
                .call(result -> result.enrollmentNudge().isEmpty() ? Uni.createFrom().voidItem()
                        : loginDecisions.nudge(tenantId, result.loginId(), challengeId, result.enrollmentNudge())
                        .onFailure().recoverWithNull())
                .flatMap(result -> settleJudged(tenantId, challengeId, result, factor, now, started));
    }

    private Uni<CheckResult> settleJudged(String tenantId, String challengeId, CheckResult result, Factor factor,
                                          Instant now, long started) {
        Uni<Void> published = publish(tenantId, challengeId, result, factor, now);
        if (result.lockoutStarted() || result.status() == CheckStatus.LOCKED_OUT
                || result.status() == CheckStatus.SUSPENDED) {
            published = published.chain(() -> publishLimit(tenantId, challengeId, result, now));
        }
        if (result.suspensionStarted()) {
            published = published.chain(() -> notices.publish(tenantId, now, new io.keystep.events.FactorChanged(
                            result.userId(), null, answeredWith(result, factor),
                            io.keystep.events.FactorChange.SUSPENDED,
                            "suspended after too many consecutive failed checks"))
                    .onFailure().transform(CheckUnavailableException::new));
        }
        return published.map(ignored -> {
            String channel = channelTag(result, factor);
            if (result.lockoutStarted()) {
                metrics.lockout(tenantId, channel, result.suspensionStarted() ? "suspended" : "locked");
            }
            metrics.checked(tenantId, channel, result.status().wire(), Duration.ofNanos(System.nanoTime() - started));
            return result;
        });
    }

    /** The factor that answered: the authenticator or recovery code, else the channel the code went out on first. */
    private static Factor answeredWith(CheckResult result, Factor factor) {
        if (factor != null) {
            return factor;
        }
        return result.channel() == null ? null : Factor.valueOf(result.channel().name());
    }

    private static String channelTag(CheckResult result, Factor factor) {
        if (factor != null) {
            return factor.name().toLowerCase(java.util.Locale.ROOT);
        }
        return result.channel() == null ? "unknown" : result.channel().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A check that started a lockout or a suspension, or that was refused by one (429 / 403), is a
     * {@code verification.limited.v1} too, so that the trail shows when and how long the user was locked.
     */
    private Uni<Void> publishLimit(String tenantId, String challengeId, CheckResult result, Instant now) {
        boolean suspended = result.status() == CheckStatus.SUSPENDED
                || result.suspensionStarted();
        boolean locked = result.status() == CheckStatus.LOCKED_OUT || result.lockoutStarted();
        if (!suspended && !locked) {
            return Uni.createFrom().voidItem();
        }
        long retryAfter = suspended || result.lockedUntil() == null ? 0
                : Math.max(1, (Duration.between(now, result.lockedUntil()).toMillis() + 999) / 1000);
        return publisher.verificationLimited(tenantId, now, new VerificationLimited(challengeId, result.userId(),
                        suspended ? Limit.FACTOR_SUSPENDED : Limit.USER_LOCKOUT, retryAfter,
                        suspended ? null : result.lockedUntil(), null))
                .onFailure().transform(CheckUnavailableException::new);
    }

    private Uni<Void> publish(String tenantId, String challengeId, CheckResult result, Factor factor, Instant now) {
        if (result.status() == CheckStatus.NOT_FOUND) {
            return Uni.createFrom().voidItem();
        }
        return publisher.verificationCompleted(tenantId, now, new VerificationCompleted(challengeId,
                        result.loginId(), result.userId(),
                        answeredWith(result, factor),
                        result.status().outcome(),
                        result.attemptsUsed(), result.deviceFingerprint(), result.enrollmentNudge()))
                .onFailure().transform(CheckUnavailableException::new);
    }
}
