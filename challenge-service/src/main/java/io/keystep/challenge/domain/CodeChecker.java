package io.keystep.challenge.domain;

import io.keystep.challenge.factors.AuthenticatorFactors;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.ChallengeStore;
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
    private final CodeDigest digests;
    private final EventPublisher publisher;
    private final ChallengeMetrics metrics;
    private final Clock clock;
    private final io.keystep.challenge.store.TenantSettingsRepository settings;
    private final AuthenticatorFactors factors;

    public CodeChecker(AuthenticatorFactors factors, ChallengeStore store, CodeDigest digests, EventPublisher publisher, ChallengeMetrics metrics,
                       Clock clock, io.keystep.challenge.store.TenantSettingsRepository settings) {
        this.settings = settings;
        this.factors = factors;
        this.store = store;
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
        return store.authenticatorOf(tenantId, challengeId).onFailure().transform(CheckUnavailableException::new)
                .flatMap(authenticator -> {
                    if (authenticator.isEmpty()) {
                        return judge(tenantId, challengeId, digests.digest(tenantId, challengeId, code, binding),
                                null, now, started);
                    }
                    // Answered with an authenticator app: a valid code (its time step used up atomically in
                    // PostgreSQL) unlocks the internal approval value; the Redis script then applies the same
                    // budget, lockout and amount/payee binding as for a sent code.
                    String[] factor = authenticator.get()[0].split(":", 2);
                    return factors.verify(tenantId, authenticator.get()[1], java.util.UUID.fromString(factor[1]), code)
                            .onFailure().transform(CheckUnavailableException::new)
                            .flatMap(result -> judge(tenantId, challengeId, digests.digest(tenantId, challengeId,
                                    result == AuthenticatorFactors.Result.ACCEPTED
                                            ? digests.authenticatorApproval(tenantId, challengeId)
                                            : code, binding), Factor.valueOf(factor[0]), now, started));
                });
    }

    private Uni<CheckResult> judge(String tenantId, String challengeId, String presented, Factor factor, Instant now,
                                   long started) {
        // The tenant's own lockout thresholds (within their bounds) apply to its users.
        return settings.settingsOf(tenantId)
                .chain(tenant -> store.check(challengeId, tenantId, now, presented, tenant.lockoutRules()))
                .onFailure().transform(CheckUnavailableException::new)
                .call(result -> publish(tenantId, challengeId, result, factor, now))
                .call(result -> publishLimit(tenantId, challengeId, result, now))
                .call(result -> !result.suspensionStarted() ? Uni.createFrom().voidItem()
                        : publisher.factorChanged(tenantId, now, new io.keystep.events.FactorChanged(result.userId(),
                                        null, factor != null ? factor
                                        : result.channel() == null ? null : Factor.valueOf(result.channel().name()),
                                        io.keystep.events.FactorChange.SUSPENDED,
                                        "suspended after too many consecutive failed checks"))
                                .onFailure().transform(CheckUnavailableException::new))
                .invoke(result -> {
                    if (result.lockoutStarted()) {
                        metrics.lockout(tenantId, channelTag(result, factor),
                                result.suspensionStarted() ? "suspended" : "locked");
                    }
                })
                .invoke(result -> metrics.checked(tenantId, channelTag(result, factor), result.status().wire(),
                        Duration.ofNanos(System.nanoTime() - started)));
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
                        factor != null ? factor : Factor.valueOf(result.channel().name()),
                        result.status().outcome(),
                        result.attemptsUsed(), result.deviceFingerprint()))
                .onFailure().transform(CheckUnavailableException::new);
    }
}
