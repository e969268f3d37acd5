package io.keystep.challenge.factors;

import io.keystep.challenge.store.AuthFactorRepository;
import io.keystep.challenge.store.EnrollmentNudgeRepository;
import io.keystep.challenge.store.EnrollmentNudgeRepository.Policy;
import io.keystep.events.Factor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Progressive enrollment: a user who keeps answering logins with a code on the phone is asked to add a stronger
 * factor after the tenant's number of such logins or days since the first (defaults 3 and 30). The approval names the
 * stronger factors the tenant offers that the user lacks; a dismissal holds the question back for the tenant's
 * interval. Metrics count nudges shown, dismissed, and followed by an enrollment within {@link #CONVERSION_WINDOW}.
 */
@ApplicationScoped
public class EnrollmentNudges {

    public static final Policy DEFAULT = new Policy(true, 3, 30, 30, List.of("totp"));
    /** The factors a nudge may name; passkeys and push join them when they exist. */
    public static final List<String> OFFERABLE = List.of("totp", "hotp", "passkey");
    public static final Duration CONVERSION_WINDOW = Duration.ofDays(7);
    private static final Set<Factor> PHONE = Set.of(Factor.SMS, Factor.WHATSAPP, Factor.VOICE);
    private static final Logger LOG = Logger.getLogger(EnrollmentNudges.class);

    private final EnrollmentNudgeRepository nudges;
    private final AuthFactorRepository authenticators;
    private final FactorMetrics metrics;
    private final Clock clock;

    public EnrollmentNudges(EnrollmentNudgeRepository nudges, AuthFactorRepository authenticators,
                            FactorMetrics metrics, Clock clock) {
        this.nudges = nudges;
        this.authenticators = authenticators;
        this.metrics = metrics;
        this.clock = clock;
    }

    public Uni<Policy> policyOf(String tenantId) {
        return nudges.policyOf(tenantId).map(p -> p.orElse(DEFAULT));
    }

    /**
     * Counts a login approved with {@code factor} and answers the factors to nudge the user towards, if it is time.
     * A nudge is advice, never a condition of the login: when it cannot be worked out the approval goes without it.
     */
    public Uni<List<String>> afterApprovedLogin(String tenantId, String userId, Factor factor) {
        if (!PHONE.contains(factor)) {
            return Uni.createFrom().item(List.of());
        }
        Instant now = clock.instant();
        return policyOf(tenantId).flatMap(policy -> !policy.enabled() ? Uni.createFrom().item(List.<String>of())
                        : authenticators.ofUser(tenantId, userId).flatMap(all -> {
                    List<String> missing = policy.factors().stream().filter(offered -> all.stream().noneMatch(
                            f -> "ACTIVE".equals(f.status) && offered.equals(f.kind.toLowerCase(Locale.ROOT))))
                            .toList();
                    if (missing.isEmpty()) {
                        return Uni.createFrom().item(List.<String>of());
                    }
                    return nudges.countPhoneLogin(tenantId, userId, now).flatMap(state -> {
                        boolean due = state.phoneLogins() >= policy.afterLogins()
                                || !now.isBefore(state.firstPhoneLoginAt().plus(Duration.ofDays(policy.afterDays())));
                        boolean asked = state.dismissedAt() == null || !now.isBefore(
                                state.dismissedAt().plus(Duration.ofDays(policy.askAgainDays())));
                        if (!due || !asked) {
                            return Uni.createFrom().item(List.<String>of());
                        }
                        return nudges.shown(tenantId, userId, now).invoke(() -> missing.forEach(
                                f -> metrics.nudge(tenantId, "shown", f))).replaceWith(missing);
                    });
                }))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("enrollment nudge of a user of tenant %s not worked out: %s", tenantId, e.toString());
                    return List.of();
                });
    }

    /** Records that the user dismissed the nudge; false when none was shown to them. */
    public Uni<Boolean> dismiss(String tenantId, String userId) {
        return nudges.dismiss(tenantId, userId, clock.instant())
                .invoke(done -> {
                    if (done) {
                        metrics.nudge(tenantId, "dismissed", "any");
                    }
                });
    }

    /** Counts an authenticator activated within {@link #CONVERSION_WINDOW} of a nudge. */
    public Uni<Void> enrolled(String tenantId, String userId, String kind) {
        Instant now = clock.instant();
        return nudges.lastShown(tenantId, userId)
                .invoke(shown -> shown.filter(at -> !now.isAfter(at.plus(CONVERSION_WINDOW)))
                        .ifPresent(at -> metrics.nudge(tenantId, "enrolled", kind.toLowerCase(Locale.ROOT))))
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> null);
    }

    /** Sets the tenant's policy. */
    public Uni<Void> setPolicy(String tenantId, Policy policy, String by) {
        return nudges.setPolicy(tenantId, policy, by, clock.instant());
    }

    public static Optional<String> unknownFactor(List<String> factors) {
        return factors.stream().filter(f -> !OFFERABLE.contains(f)).findFirst();
    }
}
