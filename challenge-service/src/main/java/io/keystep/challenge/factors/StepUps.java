package io.keystep.challenge.factors;

import io.keystep.challenge.store.VerificationProofs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Step-up for factor changes (OWASP MFA cheat sheet): adding or removing a factor needs a verification with purpose
 * {@code factor_change}, approved for the same user within the last {@link #FRESHNESS}.
 */
@ApplicationScoped
public class StepUps {

    public static final Duration FRESHNESS = Duration.ofMinutes(5);

    private final VerificationProofs proofs;
    private final Clock clock;

    public StepUps(VerificationProofs proofs, Clock clock) {
        this.proofs = proofs;
        this.clock = clock;
    }

    /** Whether {@code verificationId} is a fresh approved factor_change verification of this user. */
    public Uni<Boolean> isFresh(String tenantId, String userId, String verificationId) {
        if (verificationId == null || !verificationId.matches("[A-Za-z0-9._-]{1,128}")) {
            return Uni.createFrom().item(false);
        }
        Instant now = clock.instant();
        return proofs.approval(tenantId, verificationId).map(found -> found.isPresent()
                && found.get()[0].equals(userId)
                && "FACTOR_CHANGE".equals(found.get()[1])
                && !Instant.ofEpochMilli(Long.parseLong(found.get()[2])).plus(FRESHNESS).isBefore(now));
    }
}
