package io.keystep.delivery.messaging;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.domain.DeliveryJob;
import io.keystep.delivery.domain.DeliverySettings;
import io.keystep.delivery.provider.Receipt;
import io.keystep.delivery.store.DeliveryAttempts;
import io.keystep.delivery.store.DeliveryJobLedger;
import io.keystep.delivery.store.DeliverySettingsStore;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.Envelope;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.kit.formats.Opening;
import io.keystep.kit.messaging.MalformedEventException;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Carries one delivery job to the person along its channel plan. Takes the job once (dedupe on the challenge id and
 * the send attempt, so that a resend is a new job) and starts it on its first channel ({@link ChannelSteps}); then
 * moves it on when a fallback timer fires or a provider's receipt arrives. A channel that fails, or that reports no
 * DELIVERED receipt before the fallback timeout, hands over to the next channel of the plan with a FELL_BACK status.
 * FAILED is final: the plan is exhausted or the destination refused. A job whose sealed code does not open for what
 * it states is refused before it is taken (dead-letter topic); nothing else here fails for a bad job.
 */
@ApplicationScoped
public class CodeDelivery {

    private static final Logger LOG = Logger.getLogger(CodeDelivery.class);

    private final DeliveryConfig config;
    private final DeliverySettingsStore settings;
    private final DeliveryJobLedger ledger;
    private final DeliveryAttempts attempts;
    private final ChannelSteps steps;
    private final DeliveryOutcomes outcomes;
    private final DeliverySeal seal;
    private final MeterRegistry meters;

    public CodeDelivery(DeliveryConfig config, DeliverySettingsStore settings, DeliveryJobLedger ledger,
                        DeliveryAttempts attempts, ChannelSteps steps, DeliveryOutcomes outcomes, DeliverySeal seal,
                        MeterRegistry meters) {
        this.config = config;
        this.seal = seal;
        this.meters = meters;
        this.settings = settings;
        this.ledger = ledger;
        this.attempts = attempts;
        this.steps = steps;
        this.outcomes = outcomes;
    }

    /**
     * Completes when the job's first status is published (or the job was a duplicate). Fails, for the dead-letter
     * topic, a job whose sealed code was not sealed for exactly what its plain fields state (another destination,
     * channel, purpose, send attempt...) or does not open at all: such a job is not taken, so that it neither sends
     * nor replaces the genuine send of its challenge, and no status is published for a challenge it cannot speak for.
     */
    public Uni<Void> deliver(Envelope<ChallengeIssued> envelope) {
        DeliveryJob received = DeliveryJob.from(envelope);
        if (seal.openCode(received.sealedCode(), received.use()) instanceof Opening.Refused refused) {
            meters.counter("keystep.delivery.jobs.refused", "tenant", received.tenantId(), "reason",
                    refused.reason()).increment();
            LOG.warnf("delivery job %s (send %d) for tenant %s to %s refused, nothing sent: %s", received.challengeId(),
                    received.sendAttempt(), received.tenantId(), outcomes.maskedDestination(received),
                    refused.describe());
            return Uni.createFrom().failure(new MalformedEventException("sealedCode: " + refused.describe()));
        }
        return settings.of(received.tenantId()).chain(tenant -> planned(received, tenant));
    }

    /**
     * Puts the job's channels in the tenant's plan order, takes the job (once per send of a challenge) and starts
     * the send on its first channel.
     */
    private Uni<Void> planned(DeliveryJob received, DeliverySettings tenant) {
        List<Channel> plan = tenant.planFor(received.plan());
        if (plan.isEmpty()) {
            return ledger.claim(received.tenantId(), received.challengeId(), received.sendAttempt(),
                    config.dedupeTtl()).chain(claimed -> {
                        if (!claimed) {
                            alreadyTaken(received);
                            return Uni.createFrom().voidItem();
                        }
                        return outcomes.fail(received, received.plan().get(0), null, "CHANNEL_NOT_IN_TENANT_PLAN",
                                outcomes.maskedDestination(received));
                    });
        }
        DeliveryJob job = received.withPlan(plan);
        // What the first channel needs is worked out before the job is taken, so that taking it, starting the send
        // and (for a phone number) checking and counting the send rates are one Redis call; nothing is sent and no
        // status is published before the job is taken.
        ChannelSteps.Step first = steps.prepare(job, 0, tenant);
        if (first instanceof ChannelSteps.RateChecked checked) {
            return attempts.claimStartAndAdmit(job, config.dedupeTtl(), steps.stateTtl(job), checked.check())
                    .chain(admission -> switch (admission.claim()) {
                        case ALREADY_TAKEN -> notTaken(job, false);
                        case REPLACED -> notTaken(job, true);
                        case STARTED -> steps.admitted(job, 0, tenant, checked, admission.blocked());
                    });
        }
        return attempts.claimAndStart(job, config.dedupeTtl(), steps.stateTtl(job)).chain(claim -> switch (claim) {
            case ALREADY_TAKEN -> notTaken(job, false);
            case REPLACED -> notTaken(job, true);
            case STARTED -> steps.carryOut(job, 0, tenant, first);
        });
    }

    private static Uni<Void> notTaken(DeliveryJob job, boolean replaced) {
        if (replaced) {
            // A later send of the challenge replaced this one's code: sending it would only confuse.
            LOG.infof("delivery job %s (send %d) for tenant %s was replaced by a later send; not sending",
                    job.challengeId(), job.sendAttempt(), job.tenantId());
        } else {
            alreadyTaken(job);
        }
        return Uni.createFrom().voidItem();
    }

    private static void alreadyTaken(DeliveryJob job) {
        LOG.infof("delivery job %s (send %d) for tenant %s already taken; not sending again",
                job.challengeId(), job.sendAttempt(), job.tenantId());
    }

    /** A fallback timer fired: no DELIVERED receipt came for {@code step} of send {@code sendAttempt} in time. */
    public Uni<Void> onFallbackTimer(String tenantId, String challengeId, int sendAttempt, int step) {
        return attempts.load(tenantId, challengeId).chain(found -> {
            if (found.isEmpty() || found.get().delivered() || found.get().step() != step
                    || found.get().job().sendAttempt() != sendAttempt) {
                return Uni.createFrom().voidItem();
            }
            return steps.moveOn(found.get().job(), step, null, "NO_DELIVERY_RECEIPT");
        });
    }

    /** A provider's receipt arrived; it was already verified. Unknown messages are ignored. */
    public Uni<Void> onReceipt(String providerName, Receipt receipt) {
        if (receipt.kind() == Receipt.Kind.IN_PROGRESS) {
            return Uni.createFrom().voidItem();
        }
        return attempts.findMessage(providerName, receipt.providerMessageId()).chain(ref -> {
            if (ref.isEmpty()) {
                LOG.debugf("receipt from %s for an unknown message; ignored", providerName);
                return Uni.createFrom().voidItem();
            }
            DeliveryAttempts.MessageRef message = ref.get();
            return attempts.load(message.tenantId(), message.challengeId()).chain(found -> {
                if (found.isEmpty()) {
                    return Uni.createFrom().voidItem();
                }
                DeliveryJob job = found.get().job();
                if (job.sendAttempt() != message.sendAttempt()) {
                    // The receipt is for a message whose code a resend replaced; the newer send decides.
                    LOG.debugf("receipt from %s for a replaced send of challenge %s; ignored", providerName,
                            job.challengeId());
                    return Uni.createFrom().voidItem();
                }
                if (receipt.kind() == Receipt.Kind.DELIVERED) {
                    return delivered(job, message.step(), providerName, receipt.providerMessageId());
                }
                if (found.get().delivered() || found.get().step() != message.step()) {
                    return Uni.createFrom().voidItem();
                }
                return attempts.cancel(job.tenantId(), job.challengeId(), job.sendAttempt(), message.step())
                        .chain(() -> steps.moveOn(job, message.step(), providerName, receipt.reason()));
            });
        });
    }

    /** The first DELIVERED receipt of a send ends it: its fallback timer is cancelled. */
    private Uni<Void> delivered(DeliveryJob job, int step, String providerName, String providerMessageId) {
        Channel channel = job.plan().get(step);
        return attempts.markDelivered(job.tenantId(), job.challengeId(), job.sendAttempt()).chain(first -> {
            if (!first) {
                return Uni.createFrom().voidItem();
            }
            outcomes.count(job.tenantId(), channel, providerName, outcomes.country(job), DeliveryStatus.DELIVERED);
            LOG.infof("challenge %s delivered by %s on %s", job.challengeId(), providerName, channel);
            return attempts.cancel(job.tenantId(), job.challengeId(), job.sendAttempt(), step)
                    .chain(() -> outcomes.publish(job, channel, providerName, DeliveryStatus.DELIVERED, null,
                            outcomes.maskedDestination(job), providerMessageId));
        });
    }
}
