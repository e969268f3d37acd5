package io.keystep.challenge.factors;

import io.keystep.challenge.store.AuthFactorRepository;
import io.keystep.challenge.store.PhoneEnrollmentRepository;
import io.keystep.challenge.store.VerificationProofs;
import io.keystep.events.Factor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Step-up for factor changes (OWASP MFA cheat sheet, NIST SP 800-63B-4 on binding a new authenticator): a change
 * needs a verification with purpose {@code factor_change}, approved for the same user within the last
 * {@link #FRESHNESS}, answered with a factor the user already had (the enrolled phone, an active authenticator, a
 * recovery code), and spent by the one change it authorises.
 */
@ApplicationScoped
public class StepUps {

    public static final Duration FRESHNESS = Duration.ofMinutes(5);

    /**
     * The outcome of presenting a step-up: {@code proof} names the factor that answered it ({@code sms},
     * {@code totp}, {@code hotp}, {@code passkey}, {@code recovery_code}) when granted; else {@code refusal} says why
     * not.
     */
    public record Outcome(String proof, String refusal) {
        public boolean granted() {
            return proof != null;
        }

        static Outcome refused(String why) {
            return new Outcome(null, why);
        }
    }

    private final VerificationProofs proofs;
    private final PhoneEnrollmentRepository phones;
    private final AuthFactorRepository authenticators;
    private final Clock clock;

    public StepUps(VerificationProofs proofs, PhoneEnrollmentRepository phones, AuthFactorRepository authenticators,
                   Clock clock) {
        this.proofs = proofs;
        this.phones = phones;
        this.authenticators = authenticators;
        this.clock = clock;
    }

    /**
     * Spends {@code verificationId} as the step-up of one change of this user's factors. It is spent even when the
     * factor that answered it turns out not to be the user's: such a verification can never authorise anything.
     */
    public Uni<Outcome> spend(String tenantId, String userId, String verificationId) {
        if (verificationId == null || !verificationId.matches("[A-Za-z0-9._-]{1,128}")) {
            return Uni.createFrom().item(Outcome.refused("no verification is named"));
        }
        return proofs.claimStepUp(tenantId, verificationId, userId, clock.millis(), FRESHNESS.toMillis())
                .flatMap(claimed -> switch (claimed.get(0)) {
                    case "ok" -> answeredBy(tenantId, userId, claimed.get(1), claimed.get(2));
                    case "not_approved" -> Uni.createFrom().item(Outcome.refused("the verification is not approved"));
                    case "wrong_purpose" -> Uni.createFrom().item(
                            Outcome.refused("the verification's purpose is not factor_change"));
                    case "stale" -> Uni.createFrom().item(Outcome.refused(
                            "the verification was approved more than " + FRESHNESS.toMinutes() + " minutes ago"));
                    case "spent" -> Uni.createFrom().item(
                            Outcome.refused("the verification already authorised a change"));
                    // Another user's verification reads as unknown: its existence is none of this caller's business.
                    default -> Uni.createFrom().item(Outcome.refused("no such verification for this user"));
                });
    }

    /** Whether the factor that answered the step-up is one the user has now, before the change. */
    private Uni<Outcome> answeredBy(String tenantId, String userId, String heldBy, String destination) {
        if (heldBy.startsWith(Factor.RECOVERY_CODE.name() + ":")) {
            // The recovery code was the user's and is consumed by the check that approved the verification.
            return Uni.createFrom().item(heldBy.equals(Factor.RECOVERY_CODE.name() + ":" + userId)
                    ? new Outcome("recovery_code", null) : Outcome.refused("answered by another user's factor"));
        }
        if (heldBy.startsWith(Factor.PASSKEY.name() + ":")) {
            // The assertion was verified against one of this user's credentials; the user must still have a passkey.
            return heldBy.equals(Factor.PASSKEY.name() + ":" + userId)
                    ? authenticators.ofUser(tenantId, userId).map(all -> all.stream().anyMatch(f ->
                            Factor.PASSKEY.name().equals(f.kind) && "ACTIVE".equals(f.status))
                            ? new Outcome("passkey", null)
                            : Outcome.refused("answered by a factor the user no longer has"))
                    : Uni.createFrom().item(Outcome.refused("answered by another user's factor"));
        }
        if (!heldBy.isEmpty()) {
            String[] factor = heldBy.split(":", 2);
            UUID id;
            try {
                id = UUID.fromString(factor[1]);
            } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                return Uni.createFrom().item(Outcome.refused("answered by an unknown factor"));
            }
            return authenticators.find(tenantId, userId, id).map(found -> found.isPresent()
                    && "ACTIVE".equals(found.get().status)
                    ? new Outcome(factor[0].toLowerCase(java.util.Locale.ROOT), null)
                    : Outcome.refused("answered by a factor the user no longer has"));
        }
        return phones.phoneOf(tenantId, userId).map(phone -> phone.isPresent() && !destination.isEmpty()
                && java.security.MessageDigest.isEqual(phone.get().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                destination.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                ? new Outcome("sms", null)
                : Outcome.refused("the code went to a destination that is not the user's enrolled phone"));
    }

    /** The proofs the API describes in its refusals. */
    public static final List<String> FACTORS = List.of("the enrolled phone", "an active authenticator",
            "a passkey", "a recovery code");
}
