package io.keystep.risk.messaging;

import io.keystep.events.Decision;
import io.keystep.events.Envelope;
import io.keystep.events.ExperimentArm;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.VerificationCompleted;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.SignupExperiment;
import io.keystep.risk.store.SignupExperimentStore;
import io.keystep.risk.store.SignupExperimentStore.PendingSignup;
import io.keystep.risk.store.TenantExperiments;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Follows the signups of a tenant's signup experiment from decision to outcome: which experiment decides a signup,
 * the pending challenged signups, their outcomes from {@code verification.completed.v1} (APPROVED completes; EXPIRED,
 * LOCKED and CANCELED abandon; REJECTED leaves the signup pending), and the challenged signups never checked, counted
 * abandoned once their deadline passed. Each signup is settled once, whichever instance sees its outcome.
 */
@ApplicationScoped
public class ExperimentSignups {

    private static final Logger LOG = Logger.getLogger(ExperimentSignups.class);
    private static final Set<Outcome> ABANDONING = EnumSet.of(Outcome.EXPIRED, Outcome.LOCKED, Outcome.CANCELED);
    private static final Uni<Optional<SignupExperiment>> NONE = Uni.createFrom().item(Optional.empty());

    private final TenantExperiments experiments;
    private final SignupExperimentStore store;
    private final ExperimentMetrics metrics;
    private final Clock clock;
    private final RiskConfig config;

    public ExperimentSignups(TenantExperiments experiments, SignupExperimentStore store, ExperimentMetrics metrics,
                             Clock clock, RiskConfig config) {
        this.experiments = experiments;
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        this.config = config;
    }

    /** The tenant's running experiment when it decides a login of this purpose (signups only). */
    public Uni<Optional<SignupExperiment>> deciding(String tenantId, Purpose purpose) {
        if (purpose != Purpose.SIGNUP) {
            return NONE;
        }
        return experiments.signupExperiment(tenantId).map(e -> e.filter(x -> x.decides(purpose)));
    }

    /** The arm as the decision event carries it: a challenged signup's deadline is its decision plus abandon-after. */
    public ExperimentArm arm(SignupExperiment experiment, String arm, Decision decision, Instant decidedAt) {
        return new ExperimentArm(experiment.experimentId(), arm,
                decision == Decision.CHALLENGE ? decidedAt.plus(config.experiments().abandonAfter()) : null);
    }

    /** Remembers a challenged signup until its outcome or its deadline. */
    public Uni<Void> remember(String tenantId, String loginId, ExperimentArm arm) {
        if (arm == null || arm.pendingUntil() == null) {
            return Uni.createFrom().voidItem();
        }
        return store.pending(tenantId, loginId, new PendingSignup(arm.experimentId(), arm.arm()), arm.pendingUntil());
    }

    /** Counts a signup decided within the experiment. */
    public void decided(String tenantId, ExperimentArm arm) {
        if (arm != null) {
            metrics.started(tenantId, arm.experimentId(), arm.arm(), arm.pendingUntil() != null);
        }
    }

    /** Settles the login's pending signup, if any, with a final outcome of its challenge. */
    public Uni<Void> outcome(Envelope<VerificationCompleted> event) {
        VerificationCompleted v = event.payload();
        boolean completed = v.outcome() == Outcome.APPROVED;
        // a wrong code (REJECTED) leaves the challenge open
        if (!completed && !ABANDONING.contains(v.outcome()) || v.loginId() == null || v.loginId().isBlank()) {
            return Uni.createFrom().voidItem();
        }
        String tenant = event.tenantId();
        return store.settle(tenant, v.loginId()).invoke(taken -> taken.ifPresent(s -> {
            if (completed) {
                metrics.completed(tenant, s.experimentId(), s.arm());
            } else {
                metrics.abandoned(tenant, s.experimentId(), s.arm());
            }
        })).replaceWithVoid();
    }

    /** Counts as abandoned every challenged signup whose deadline passed without an outcome. */
    @Scheduled(every = "${keystep.risk.experiments.sweep-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> countAbandoned() {
        Instant now = clock.instant();
        return store.tenants()
                .onItem().transformToMulti(tenants -> Multi.createFrom().iterable(tenants))
                .onItem().transformToUniAndConcatenate(tenant -> store.takeAbandoned(tenant, now)
                        .invoke(signups -> signups.forEach(s -> metrics.abandoned(tenant, s.experimentId(), s.arm()))))
                .collect().last()
                .onFailure().invoke(e -> LOG.warnf("Abandoned signups not counted this time: %s", e.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
