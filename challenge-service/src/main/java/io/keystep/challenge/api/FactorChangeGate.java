package io.keystep.challenge.api;

import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.factors.AccountRecoveries;
import io.keystep.challenge.factors.AuthenticatorFactors;
import io.keystep.challenge.factors.RecoveryCodes;
import io.keystep.challenge.factors.StepUps;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Who may change a user's factors. Adding one needs a step-up on a factor the user already had, or a matured account
 * recovery, or, for a user with no factor at all, the gateway's word that the user just passed the first factor.
 * Removing one, or replacing recovery codes, needs the step-up. Each proof is spent by the change it authorises.
 */
@ApplicationScoped
public class FactorChangeGate {

    /** The header naming the approved {@code factor_change} verification a change needs. */
    public static final String STEP_UP_HEADER = "Step-Up-Verification-Id";
    /**
     * The header by which a gateway states when the user passed the first factor (RFC 3339), for a user who has no
     * factor yet.
     */
    public static final String FIRST_FACTOR_HEADER = "First-Factor-Authenticated-At";
    /** How far a gateway's clock may run ahead of ours. */
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final StepUps stepUps;
    private final AccountRecoveries recoveries;
    private final AuthenticatorFactors factors;
    private final RecoveryCodes recoveryCodes;
    private final Clock clock;

    public FactorChangeGate(StepUps stepUps, AccountRecoveries recoveries, AuthenticatorFactors factors,
                            RecoveryCodes recoveryCodes, Clock clock) {
        this.stepUps = stepUps;
        this.recoveries = recoveries;
        this.factors = factors;
        this.recoveryCodes = recoveryCodes;
        this.clock = clock;
    }

    /**
     * Authorises adding a factor ({@code what}: {@code sms}, {@code totp}, {@code hotp}); answers how it was
     * authorised ({@code step_up:<factor>}, {@code account_recovery:<id>} or {@code first_factor}), else fails with
     * 403 problem+json.
     */
    public Uni<String> toAdd(String tenantId, String userId, String stepUp, String firstFactorAt, String what) {
        if (stepUp != null) {
            return toChange(tenantId, userId, stepUp, "adding a factor");
        }
        return failClosed(recoveries.use(tenantId, userId, what).flatMap(used -> {
            if (used.isPresent()) {
                return Uni.createFrom().item("account_recovery:" + used.get().id());
            }
            return hasAnyFactor(tenantId, userId).map(has -> {
                if (has) {
                    throw stepUpRequired("adding a factor", "no step-up was presented");
                }
                return firstFactor(firstFactorAt);
            });
        }));
    }

    /** Authorises a change that only a step-up allows ({@code what} names it in the refusal). */
    public Uni<String> toChange(String tenantId, String userId, String stepUp, String what) {
        if (stepUp == null) {
            return Uni.createFrom().failure(stepUpRequired(what, "no step-up was presented"));
        }
        return failClosed(stepUps.spend(tenantId, userId, stepUp)).map(outcome -> {
            if (!outcome.granted()) {
                throw stepUpRequired(what, outcome.refusal());
            }
            return "step_up:" + outcome.proof();
        });
    }

    /** Whether the user has a factor to step up with: the enrolled phone, an active authenticator, a recovery code. */
    public Uni<Boolean> hasAnyFactor(String tenantId, String userId) {
        return factors.phone(tenantId, userId).flatMap(phone -> phone.isPresent() ? Uni.createFrom().item(true)
                : factors.ofUser(tenantId, userId).flatMap(all -> all.stream().anyMatch(f -> "ACTIVE".equals(f.status))
                ? Uni.createFrom().item(true) : recoveryCodes.remaining(tenantId, userId).map(n -> n > 0)));
    }

    private String firstFactor(String firstFactorAt) {
        if (firstFactorAt == null) {
            throw new ProblemException(Problem.of(403, "first-factor-required", "First factor required",
                    "the user has no factor yet: header " + FIRST_FACTOR_HEADER + " must state when the user passed"
                            + " the first factor (RFC 3339, within the last " + StepUps.FRESHNESS.toMinutes()
                            + " minutes)"));
        }
        Instant at;
        try {
            at = Instant.parse(firstFactorAt.trim());
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(FIRST_FACTOR_HEADER, "must be an RFC 3339 instant such as"
                    + " 2026-01-31T12:00:00Z");
        }
        Instant now = clock.instant();
        if (at.isAfter(now.plus(CLOCK_SKEW)) || at.plus(StepUps.FRESHNESS).isBefore(now)) {
            throw new ProblemException(Problem.of(403, "first-factor-required", "First factor required",
                    FIRST_FACTOR_HEADER + " must lie within the last " + StepUps.FRESHNESS.toMinutes() + " minutes"));
        }
        return "first_factor";
    }

    static ProblemException stepUpRequired(String what, String why) {
        return new ProblemException(Problem.of(403, "step-up-required", "Step-up required",
                what + " needs header " + STEP_UP_HEADER + " naming a verification with purpose factor_change,"
                        + " approved within " + StepUps.FRESHNESS.toMinutes() + " minutes on "
                        + String.join(", ", StepUps.FACTORS) + " of this user, not used before: " + why));
    }

    /** A failure of Redis or PostgreSQL refuses the change (503), never lets it through. */
    static <T> Uni<T> failClosed(Uni<T> uni) {
        return uni.onFailure(e -> !(e instanceof ProblemException)).transform(CheckUnavailableException::new);
    }
}
